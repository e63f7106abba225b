"""kiosk.sync.remote on its own: the diagnostics report is cut to size keeping what matters,
and a technician's request runs once, in time, and is answered ok/failed with one line."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_client import errors, wire
from kiosk.sync.remote import BUNDLE_MAX_BYTES, ActionRunner, bounded_report
from lobby_core.diagnostics import Check, Status

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


class FakeAPI:
    """Records what the runner tells central (the HTTP side is tested against a real central)."""

    def __init__(self, skew_s: float | None = None, fail_results: bool = False,
                 fail_upload: bool = False) -> None:
        self.clock_skew_s = skew_s
        self.results: list[tuple[int, bool, str]] = []
        self.bundles: list[tuple[int, bytes]] = []
        self.fail_results = fail_results
        self.fail_upload = fail_upload

    def action_result(self, action_id: int, ok: bool, detail: str) -> None:
        if self.fail_results:
            raise errors.CentralUnreachable("cannot reach central")
        self.results.append((action_id, ok, detail))

    def upload_bundle(self, action_id: int, data: bytes) -> None:
        if self.fail_upload:
            raise errors.CentralTimeout("central did not answer in time")
        self.bundles.append((action_id, data))


class FakeActions:
    def __init__(self, fail: Exception | None = None, bundle: bytes = b"") -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail
        self._bundle = bundle

    def pulse_gate(self, requested_by: str) -> str:
        self.calls.append(("pulse", requested_by))
        if self.fail:
            raise self.fail
        return "gate pulsed on channel 0 for 400 ms"

    def print_test(self, requested_by: str) -> str:
        self.calls.append(("print_test", requested_by))
        return "test slip printed\nsecond line"

    def bundle(self) -> bytes:
        self.calls.append(("bundle", ""))
        return self._bundle


def req(action: str = "pulse", expires_in_s: float = 60, id: int = 7) -> wire.ActionUpdate:
    return wire.ActionUpdate(id=id, action=action, requested_by="tech1",
                             expires_at=NOW + timedelta(seconds=expires_in_s))


def runner(api: FakeAPI, actions: FakeActions | None, now: datetime = NOW) -> ActionRunner:
    return ActionRunner(api, actions, now=lambda: now)  # type: ignore[arg-type]


def test_a_pulse_runs_with_who_asked_and_is_reported_ok() -> None:
    api, actions = FakeAPI(), FakeActions()
    assert runner(api, actions).run(req()) == (True, "gate pulsed on channel 0 for 400 ms")
    assert actions.calls == [("pulse", "tech1")]
    assert api.results == [(7, True, "gate pulsed on channel 0 for 400 ms")]


def test_the_answer_is_one_line() -> None:
    api = FakeAPI()
    runner(api, FakeActions()).run(req("print_test"))
    assert api.results == [(7, True, "test slip printed second line")]


def test_an_expired_request_is_refused_and_the_gate_untouched() -> None:
    api, actions = FakeAPI(), FakeActions()
    ok, detail = runner(api, actions).run(req(expires_in_s=-5))
    assert not ok and "after it expired" in detail
    assert actions.calls == []
    assert api.results == [(7, False, detail)]


def test_expiry_is_judged_on_centrals_clock() -> None:
    # Our clock runs 300 s ahead of central's: the request is still fresh on central's.
    ahead = NOW + timedelta(seconds=300)
    api, actions = FakeAPI(skew_s=300.0), FakeActions()
    assert runner(api, actions, now=ahead).run(req(expires_in_s=60))[0]
    # ...and with no skew known, the same clock refuses it.
    api2, actions2 = FakeAPI(skew_s=None), FakeActions()
    assert not runner(api2, actions2, now=ahead).run(req(expires_in_s=60))[0]
    assert actions2.calls == []


def test_the_last_second_still_runs() -> None:
    api, actions = FakeAPI(), FakeActions()
    assert runner(api, actions).run(req(expires_in_s=0))[0]


def test_a_process_without_actions_says_so() -> None:
    api = FakeAPI()
    ok, detail = runner(api, None).run(req())
    assert not ok and "kiosk run" in detail
    assert api.results == [(7, False, detail)]


def test_a_device_failure_is_reported_failed_with_its_reason() -> None:
    api = FakeAPI()
    ok, detail = runner(api, FakeActions(fail=RuntimeError("relay board does not answer"))).run(req())
    assert (ok, detail) == (False, "relay board does not answer")
    assert api.results == [(7, False, "relay board does not answer")]


class CheckActions(FakeActions):
    """Like the kiosk's own live tests: a test answers with the diagnostics Check it made."""

    def __init__(self, status: Status) -> None:
        super().__init__()
        self.status = status

    def pulse_gate(self, requested_by: str) -> Check:  # type: ignore[override]
        self.calls.append(("pulse", requested_by))
        return Check(id="action.pulse", group="action", status=self.status,
                     summary="gate pulse failed: no answer" if self.status is Status.FAIL
                     else "gate relay channel 0 pulsed for 400 ms")


@pytest.mark.parametrize(("status", "ok"), [(Status.PASS, True), (Status.WARN, True), (Status.FAIL, False)])
def test_a_check_answer_is_failed_only_when_the_check_fails(status: Status, ok: bool) -> None:
    api = FakeAPI()
    got_ok, detail = runner(api, CheckActions(status)).run(req())
    assert got_ok is ok
    assert api.results == [(7, ok, detail)]
    assert detail.startswith("gate pulse failed" if not ok else "gate relay channel 0")


def test_an_unknown_request_is_refused() -> None:
    api, actions = FakeAPI(), FakeActions()
    ok, detail = runner(api, actions).run(req("reboot"))
    assert not ok and "unknown request" in detail
    assert actions.calls == []


def test_central_unreachable_for_the_answer_does_not_raise() -> None:
    api, actions = FakeAPI(fail_results=True), FakeActions()
    assert runner(api, actions).run(req()) == (True, "gate pulsed on channel 0 for 400 ms")
    assert actions.calls == [("pulse", "tech1")]


def _tar_gz() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("report.json")
        data = b'{"status": "pass"}'
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_a_bundle_is_uploaded_and_answers_the_request_itself() -> None:
    data = _tar_gz()
    api = FakeAPI()
    assert runner(api, FakeActions(bundle=data)).run(req("bundle")) == (True, "bundle sent")
    assert api.bundles == [(7, data)]
    assert api.results == []


def test_a_bundle_too_large_is_not_sent() -> None:
    api = FakeAPI()
    ok, detail = runner(api, FakeActions(bundle=b"x" * (BUNDLE_MAX_BYTES + 1))).run(req("bundle"))
    assert not ok and "too large" in detail
    assert api.bundles == []
    assert api.results == [(7, False, detail)]


def test_a_bundle_at_the_limit_is_sent() -> None:
    api = FakeAPI()
    assert runner(api, FakeActions(bundle=b"x" * BUNDLE_MAX_BYTES)).run(req("bundle"))[0]


def test_a_failed_upload_is_reported_failed() -> None:
    api = FakeAPI(fail_upload=True)
    ok, detail = runner(api, FakeActions(bundle=_tar_gz())).run(req("bundle"))
    assert not ok and detail.startswith("bundle upload failed")
    assert api.results == [(7, False, detail)]


# -- the report in the heartbeat ----------------------------------------------------------------


def check(i: int, status: str, text: str = "") -> dict[str, Any]:
    return {"id": f"c.{i}", "group": "relay", "status": status, "code": "x", "summary": text or f"check {i}",
            "hint": "", "params": {}}


def report(checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "fail", "at": NOW.isoformat(), "running": True, "checks": checks}


def size(r: dict[str, Any]) -> int:
    return len(json.dumps(r, ensure_ascii=False).encode())


def test_a_small_report_is_sent_as_it_is() -> None:
    r = report([check(1, "pass"), check(2, "fail")])
    assert bounded_report(r, 10_000) is r


def test_a_large_report_keeps_failures_first_and_says_what_it_left_out() -> None:
    checks = [check(i, "pass", "p" * 250) for i in range(40)] + [check(99, "fail", "f" * 250)]
    checks += [check(98, "warn", "w" * 250)]
    out = bounded_report(report(checks), 4_000)
    assert size(out) <= 4_000
    ids = [c["id"] for c in out["checks"]]
    assert "c.99" in ids and "c.98" in ids
    assert ids[-1] == "diag.truncated"
    kept = len(ids) - 1
    assert out["checks"][-1]["params"] == {"count": str(len(checks) - kept)}
    assert kept < len(checks)


@given(st.lists(st.tuples(st.sampled_from(["pass", "warn", "fail"]), st.text(max_size=300)), max_size=60),
       st.integers(min_value=1_000, max_value=20_000))
def test_the_sent_report_always_fits(items: list[tuple[str, str]], limit: int) -> None:
    r = report([check(i, s, t) for i, (s, t) in enumerate(items)])
    out = bounded_report(r, limit)
    assert size(out) <= limit
    sent = {c["id"] for c in out["checks"]}
    # A failing check is never dropped while a passing one is kept.
    if any(c["status"] == "pass" for c in out["checks"]):
        assert {f"c.{i}" for i, (s, _t) in enumerate(items) if s == "fail"} <= sent
