"""The kiosk page's view of a diagnostics report: checks translated by code with the kiosk's
params, English kept for what the console does not know, every device listed (from the report,
else the heartbeat), and red only for a failing check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from central.console import i18n
from central.console.kiosk_view import DEVICES, describe, health
from central.services.kiosks import KioskStatus

ZH = i18n.translator("zh_CN")
EN = i18n.translator("en")


def status(diag: dict[str, Any] | None = None, beats: list[dict[str, Any]] | None = None) -> KioskStatus:
    return KioskStatus(id=1, name="k", enrolled=True, revoked=False, last_heartbeat_at=datetime.now(UTC),
                       late=False, outbox_depth=0, clock_skew_ms=0, versions={}, health=beats or [],
                       diag=diag)


def check(group: str, status: str, code: str = "", summary: str = "s", **params: str) -> dict[str, Any]:
    return {"id": f"{group}.{code or status}", "group": group, "status": status, "code": code,
            "summary": summary, "hint": "english hint", "params": params}


def report(*checks: dict[str, Any]) -> dict[str, Any]:
    return {"status": "pass", "at": "2026-12-01T06:00:00+00:00", "running": True, "checks": list(checks)}


def test_a_known_code_is_translated_with_the_kiosks_params() -> None:
    summary, hint = describe("relay.no_answer", "relay board does not answer: timeout", "x",
                             {"reason": "timeout"}, ZH)
    assert summary == "继电器板无应答：timeout"
    assert hint == "请检查继电器板电源，以及配置中的从站地址和波特率"
    # In English the same code gives the kiosk's text back.
    assert describe("relay.no_answer", "k", "h", {"reason": "timeout"}, EN)[0] == (
        "relay board does not answer: timeout")


def test_an_unknown_code_or_a_missing_param_keeps_the_kiosks_english() -> None:
    assert describe("relay.from_the_future", "new check", "new hint", {}, ZH) == ("new check", "new hint")
    assert describe("relay.no_answer", "relay board does not answer: ?", "h", {}, ZH)[0] == (
        "relay board does not answer: ?")


@given(st.text(max_size=80), st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=4))
def test_a_param_is_put_in_as_it_is_whatever_it_holds(reason: str, extra: dict[str, str]) -> None:
    # Braces in a kiosk's reason are text, never another placeholder; extra params are ignored.
    summary, _hint = describe("printer.offline", "english", "", {**extra, "reason": reason}, ZH)
    assert summary == "打印机离线：" + reason


def test_every_device_is_listed_in_order_even_with_no_report() -> None:
    view = health(status(), ZH)
    assert [s.key for s in view.sections] == list(DEVICES)
    assert {s.status for s in view.sections} == {"unknown"}
    assert not view.failing()


def test_the_heartbeat_fills_in_a_device_the_report_has_no_check_for() -> None:
    beats = [{"name": "printer", "state": "down", "reason": "cannot open: /dev/usb/lp0"},
             {"name": "qr_scanner", "state": "ok", "reason": "not configured"}]
    view = health(status(report(check("relay", "pass", "relay.ok", url="sim://")), beats), ZH)
    by = {s.key: s for s in view.sections}
    assert by["relay"].status == "pass" and by["relay"].checks[0].summary == "继电器板 sim:// 正常应答"
    assert by["printer"].status == "fail" and by["printer"].checks[0].summary == "cannot open: /dev/usb/lp0"
    assert by["qr_scanner"].status == "none" and by["qr_scanner"].checks[0].summary == "未配置"
    assert by["printer"].label == "访客单打印机"
    assert view.failing()


def test_a_warning_is_not_red_and_a_failure_anywhere_is() -> None:
    assert not health(status(report(check("printer", "warn", "printer.paper_low"))), ZH).failing()
    view = health(status(report(check("printer", "pass"), check("storage", "fail", "storage.corrupt",
                                                                  detail="bad page"))), ZH)
    assert view.failing()
    storage = next(s for s in view.sections if s.key == "storage")
    assert storage.label == "存储" and storage.checks[0].summary == "数据库已损坏：bad page"


def test_a_section_shows_its_worst_check() -> None:
    view = health(status(report(check("relay", "pass"), check("relay", "warn"), check("relay", "pass"))), EN)
    assert next(s for s in view.sections if s.key == "relay").status == "warn"


def test_a_group_the_console_does_not_know_shows_by_its_name() -> None:
    view = health(status(report(check("elevator", "pass", summary="lift answers"))), ZH)
    assert view.sections[-1].label == "elevator" and view.sections[-1].checks[0].summary == "lift answers"


def test_a_damaged_stored_report_is_said_and_the_heartbeat_still_shows() -> None:
    beats = [{"name": "relay", "state": "ok", "reason": "8 channels"}]
    view = health(status({"checks": "garbage"}, beats), EN)
    assert view.problem and view.report_at is None
    assert next(s for s in view.sections if s.key == "relay").status == "pass"


def test_a_device_beyond_the_five_shows_by_its_name() -> None:
    beats = [{"name": "locker_relay", "state": "down", "reason": "no answer"},
             {"name": "relay", "state": "ok", "reason": "8 channels"}]
    view = health(status(None, beats), EN)
    extra = view.sections[-1]
    assert (extra.key, extra.label, extra.status) == ("locker_relay", "locker_relay", "fail")
    assert [s.key for s in view.sections] == [*DEVICES, "locker_relay"]
    assert view.failing()
