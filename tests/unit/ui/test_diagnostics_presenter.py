"""Diagnostics: the kiosk's report (failures first) or device health, and the live tests."""

from __future__ import annotations

from datetime import UTC, datetime

from devices import Health
from kiosk.ui.presenters.diagnostics import DiagnosticsPresenter, rows_from_health, rows_from_report
from lobby_core.diagnostics import Check, Report, Status
from tests.unit.ui.support import health, result, tr


class KioskWithHealth:
    def __init__(self) -> None:
        self.h = health(printer=Health.down("paper out"))

    def health(self) -> dict:
        return self.h


class Remote:
    """Kiosk.remote_actions' shape: each live test takes who asked and answers with a Check."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def pulse_gate(self, requested_by: str) -> Check:
        self.asked.append(requested_by)
        return Check("action.pulse", "action", Status.PASS, "pulsed 400 ms")

    def print_test(self, requested_by: str) -> Check:
        raise OSError("printer offline")


def test_report_rows_put_failures_first() -> None:
    report = Report([Check("relay.board", "relay", Status.PASS, "answers"),
                     Check("printer.paper", "printer", Status.FAIL, "paper out", "load paper"),
                     Check("sync.outbox", "sync", Status.WARN, "12 queued")],
                    at=datetime(2026, 12, 1, tzinfo=UTC))
    rows = rows_from_report(report)
    assert [r.name for r in rows] == ["printer.paper", "sync.outbox", "relay.board"]
    assert rows[0].hint == "load paper"


def test_health_rows_without_a_report() -> None:
    h = health(relay=Health.degraded("slow"), locker_relay=Health.ok(), locker_relay1=Health.down("gone"))
    rows = {r.name: r for r in rows_from_health(h, tr("zh_CN"))}
    assert rows["闸机"].status is Status.WARN and rows["读卡器"].status is Status.PASS
    assert rows["储物柜继电器板"].status is Status.PASS and rows["储物柜继电器板 1"].status is Status.FAIL


def test_fetch_uses_the_report_when_the_kiosk_has_one() -> None:
    kiosk = KioskWithHealth()
    p = DiagnosticsPresenter(kiosk)
    p.fetched(p.fetch(tr("en"))())
    view = p.view(tr("en"))
    assert view.overall == "Overall: Fail"
    assert ("Fail", "slip printer", "paper out", True) in view.rows
    kiosk.diagnose = lambda: Report([Check("x.y", "x", Status.WARN, "w")], at=datetime.now(UTC))  # type: ignore[attr-defined]
    p.fetched(p.fetch(tr("en"))())
    assert p.view(tr("en")).rows == [("Warning", "x.y", "w", True)]


def test_live_tests_only_those_the_kiosk_has_and_their_outcomes() -> None:
    kiosk = KioskWithHealth()
    p = DiagnosticsPresenter(kiosk)
    assert p.view(tr("en")).actions == [] and p.run_action("pulse_gate") is None
    kiosk.remote_actions = remote = Remote()  # type: ignore[attr-defined]
    assert [a for a, _ in p.view(tr("en")).actions] == ["pulse_gate", "print_test"]
    p.technician = "tom"  # entered with his PIN
    action = p.run_action("pulse_gate")
    assert action is not None and p.run_action("print_test") is None  # one at a time
    p.action_done(action())
    assert p.view(tr("en")).action_result == "pulse_gate: pass: pulsed 400 ms"
    assert remote.asked == ["tom at the kiosk"]  # the pulse is logged with who asked
    action = p.run_action("print_test")
    try:
        action()  # type: ignore[misc]
    except OSError as exc:
        p.action_failed(exc)
    assert p.view(tr("en")).action_result == "print_test: OSError: printer offline"
    assert p.run_action("bundle") is None  # not a live test here
    p.wipe()
    assert p.technician == ""


def test_last_tap_shows_outcome_never_a_name() -> None:
    p = DiagnosticsPresenter(KioskWithHealth())
    p.tapped(result(True, "access.granted", name="张*明"))
    assert p.view(tr("en")).last_tap == "Last card read: granted"
    p.tapped(result(False, "access.denied.frozen", reason="frozen"))
    assert p.view(tr("zh_CN")).last_tap == "最近一次读卡：拒绝（frozen）"
    p.wipe()
    assert p.view(tr("en")).last_tap == ""
