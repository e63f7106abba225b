"""The seams for the next issues: PassEntrance refuses what is not a pass safely (the passes
themselves: tests/unit/app/test_pass_entrance.py); VisitorDesk without a PinApproval says PIN
approval is not available; both take subscribers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from devices import Scan
from kiosk.app import (
    Gate,
    PassEntrance,
    PassResult,
    ServiceUnavailable,
    VisitorDesk,
    VisitorRequest,
    VisitorTicket,
)
from kiosk.app.pass_entrance import PASS_ERROR, PassSettings
from kiosk.store import Store
from tests.fixtures.kiosk import RecordingRelay
from tests.unit.domain.pass_builders import SHANGHAI

PAYLOAD = "V1:7f3a-SECRET-PASS-41c2"


@pytest.fixture
def entrance(kiosk_store: Store, recording_relay: RecordingRelay) -> PassEntrance:
    return PassEntrance(kiosk_store, Gate(kiosk_store, recording_relay),
                        PassSettings(facility="gym", zone=SHANGHAI))


def test_a_scan_that_is_no_pass_is_refused_without_logging_the_payload(
        entrance: PassEntrance, recording_relay: RecordingRelay,
        caplog: pytest.LogCaptureFixture) -> None:
    got: list[PassResult] = []
    entrance.subscribe(got.append)
    at = datetime(2026, 6, 1, 2, tzinfo=UTC)
    with caplog.at_level(logging.DEBUG):
        result = entrance.handle_scan(Scan(PAYLOAD, at))
    assert (result.granted, result.reason, result.at) == (False, "garbage", at)
    assert got == [result]
    assert recording_relay.pulses == []
    assert "pass denied pass_id=- reason=garbage" in caplog.text
    assert "SECRET" not in caplog.text and PAYLOAD not in repr(result)


def test_a_failure_while_handling_a_scan_never_escapes(
        entrance: PassEntrance, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(scan: Scan) -> PassResult:
        raise ValueError(f"cannot parse {scan.text}")

    monkeypatch.setattr(entrance, "_decide", broken)
    entrance.subscribe(lambda r: 1 / 0)  # nor does a broken listener
    got: list[PassResult] = []
    entrance.subscribe(got.append)
    with caplog.at_level(logging.DEBUG):
        result = entrance.handle_scan(Scan(PAYLOAD, datetime.now(UTC)))
    assert (result.granted, result.reason, result.see_staff) == (False, PASS_ERROR, True)
    assert got == [result]
    assert "SECRET" not in caplog.text


def test_unsubscribe_stops_results(entrance: PassEntrance) -> None:
    got: list[PassResult] = []
    unsubscribe = entrance.subscribe(got.append)
    entrance.handle_scan(Scan("x", datetime.now(UTC)))
    unsubscribe()
    entrance.handle_scan(Scan("y", datetime.now(UTC)))
    assert len(got) == 1


def test_the_visitor_desk_without_pin_approval_says_so(kiosk_store: Store) -> None:
    """The visitor issue filled the desk; only PIN approval stays a seam until it is given one."""
    desk = VisitorDesk(kiosk_store, printer=None)
    unsubscribe = desk.subscribe(lambda r: None)
    request = VisitorRequest(id_type="cn_ric", id_number="110101199003077777", name="Visitor",
                             mobile="13800138000", host="Reception", purpose="meeting")
    ticket = VisitorTicket("r1", datetime.now(UTC))
    with pytest.raises(ServiceUnavailable, match="visitor desk: PIN approval is not configured"):
        desk.approve_with_pin(ticket, "alice", "1234")
    unsubscribe()
    assert "110101199003077777" not in repr(request)  # an ID number never reaches a log line
