"""The kiosk's sync engine against a real central for remote diagnostics: its heartbeat carries
the report (and still gets through when central refuses the report); a technician's request
comes in on the long-poll, runs once even when both sync threads read the same page, and its
answer is on central."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from backend_client import wire
from central.services import kiosks, remote
from tests.fixtures.sync import KioskRig
from tests.unit.sync.test_remote_units import FakeActions


def _report(status: str = "fail") -> dict[str, Any]:
    return {"status": status, "at": datetime.now(UTC).isoformat(timespec="seconds"), "running": True,
            "checks": [{"id": "printer.paper", "group": "printer", "status": status, "code": "",
                        "summary": "printer reports paper out", "hint": "", "params": {}}]}


def test_the_heartbeat_carries_the_report(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    engine = rig.engine()
    engine.diag_report = _report
    engine.heartbeat()
    stored = kiosks.status(rig.srv.central, rig.kiosk_id).diag
    assert stored is not None and stored["checks"][0]["summary"] == "printer reports paper out"
    assert stored["status"] == "fail"


def test_a_refused_report_still_lets_the_heartbeat_through(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    engine = rig.engine()
    engine.diag_report = lambda: {"status": "pass", "at": "yesterday", "checks": []}
    before = datetime.now(UTC)
    engine.heartbeat()
    k = kiosks.status(rig.srv.central, rig.kiosk_id)
    assert k.last_heartbeat_at is not None and k.last_heartbeat_at >= before.replace(microsecond=0)
    assert k.diag is None


def test_a_broken_report_probe_does_not_stop_the_heartbeat(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    engine = rig.engine()

    def broken() -> dict[str, Any]:
        raise RuntimeError("a check crashed")

    engine.diag_report = broken
    engine.heartbeat()
    assert kiosks.status(rig.srv.central, rig.kiosk_id).last_heartbeat_at is not None


def test_a_request_arrives_on_the_long_poll_runs_once_and_is_answered(
    make_kiosk: Callable[..., KioskRig],
) -> None:
    rig = make_kiosk()
    actions = FakeActions()
    engine = rig.engine()
    engine.remote_actions = actions
    engine.poll_updates(0.0)  # up to date
    done: list[int] = []
    poll = threading.Thread(target=lambda: done.append(engine.poll_updates(20.0)))
    poll.start()
    aid = remote.request(rig.srv.central, rig.kiosk_id, "pulse", "tina")
    poll.join(25)
    assert done == [1], "the long-poll did not deliver the request"
    assert actions.calls == [("pulse", "tina")]
    [row] = remote.history(rig.srv.central, rig.kiosk_id)
    assert (row.id, row.state, row.detail) == (aid, "ok", "gate pulsed on channel 0 for 400 ms")
    # Polling again (a new cycle, a restart) never runs it twice.
    engine.poll_updates(0.0)
    rig.engine().poll_updates(0.0)
    assert actions.calls == [("pulse", "tina")]


def test_two_threads_reading_the_same_page_run_the_request_once(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    actions = FakeActions()
    cycle, poller = rig.engine(), rig.engine()
    cycle.remote_actions = poller.remote_actions = actions
    with rig.store.read() as tx:
        cursor = tx.updates_cursor()
    remote.request(rig.srv.central, rig.kiosk_id, "print_test", "tina")
    first, second = cycle.api.updates(cursor), poller.api.updates(cursor)
    assert [u.kind for u in first.items] == [u.kind for u in second.items] == ["action"]
    cycle.apply_updates(first)
    poller.apply_updates(second)
    assert actions.calls == [("print_test", "tina")]


def test_a_kiosk_without_actions_answers_failed(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    remote.request(rig.srv.central, rig.kiosk_id, "pulse", "tina")
    rig.engine().poll_updates(0.0)  # as `kiosk sync --once` does: it has no devices open
    [row] = remote.history(rig.srv.central, rig.kiosk_id)
    assert row.state == "failed" and "kiosk run" in row.detail


def test_a_malformed_request_is_skipped_and_the_feed_goes_on(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    actions = FakeActions()
    engine = rig.engine()
    engine.remote_actions = actions
    bad = wire.UpdatesPage(items=[wire.UpdateItem(seq=10**6, kind="action", payload={"id": "x"},
                                                  created_at=datetime.now(UTC))], next_cursor=10**6)
    engine.apply_updates(bad)
    assert actions.calls == []
    with rig.store.read() as tx:
        assert tx.updates_cursor() == 10**6
