"""The diagnostics report's JSON: what a kiosk sends and central reads back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.diagnostics import Check, DiagError, Report, Status, worst

AT = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def check(status: Status, cid: str = "relay.board") -> Check:
    return Check(id=cid, group="relay", status=status, summary="board answers",
                 hint="check the cable", code="relay.ok", params={"port": "/dev/lobby-relay"})


def test_report_status_is_the_worst_check_and_maps_to_exit_codes() -> None:
    assert Report([], AT).status is Status.PASS
    assert Report([check(Status.PASS), check(Status.WARN)], AT).status is Status.WARN
    assert Report([check(Status.FAIL), check(Status.WARN)], AT).status is Status.FAIL
    assert [s.exit_code for s in (Status.PASS, Status.WARN, Status.FAIL)] == [0, 1, 2]
    assert worst([Status.WARN, Status.PASS]) is Status.WARN


def test_round_trip() -> None:
    report = Report([check(Status.PASS), check(Status.FAIL, "printer.paper")], AT, running=False)
    back = Report.from_json(report.to_json())
    assert back == report
    assert back.to_json()["status"] == "fail"


def test_unknown_keys_are_ignored_so_an_older_central_reads_a_newer_kiosk() -> None:
    data = Report([check(Status.WARN)], AT).to_json()
    data["new_field"] = 1
    data["checks"][0]["severity_v2"] = "x"
    assert Report.from_json(data).checks[0].status is Status.WARN


@pytest.mark.parametrize("bad", [
    None, [], {"checks": "x", "at": AT.isoformat()}, {"checks": [], "at": "yesterday"},
    {"checks": [], "at": "2026-12-01T07:00:00"},
    {"checks": [{"id": "a", "group": "g", "status": "broken"}], "at": AT.isoformat()},
    {"checks": [{"id": "", "group": "g", "status": "pass"}], "at": AT.isoformat()},
    {"checks": [{"id": 3, "group": "g", "status": "pass"}], "at": AT.isoformat()},
    {"checks": [{"id": "a", "group": "g", "status": "pass", "params": [1]}], "at": AT.isoformat()},
    {"checks": [{"id": "a", "group": "g", "status": "pass"}] * 101, "at": AT.isoformat()},
])
def test_malformed_reports_are_refused_with_a_diag_error(bad: object) -> None:
    with pytest.raises(DiagError):
        Report.from_json(bad)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                          max_size=4)))
def test_any_json_either_parses_or_is_a_diag_error(data: object) -> None:
    try:
        Report.from_json(data)
    except DiagError:
        pass


def test_long_texts_are_cut() -> None:
    data = Report([check(Status.PASS)], AT).to_json()
    data["checks"][0]["summary"] = "x" * 5000
    assert len(Report.from_json(data).checks[0].summary) == 300
