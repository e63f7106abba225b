"""The real app under Xvfb around a real Kiosk (sim:// reader and relay, SQLite store),
driven by touches and card taps on the simulated reader."""

from __future__ import annotations

from collections.abc import Callable

from tests.ui.conftest import Ui
from tests.ui.standins import HelpCall, RemoteActions, TechnicianAccess


def test_member_granted_shows_masked_name_visits_and_sound_then_home(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui(idle_result_s=2)
    assert ui.kiosk.reader.tap("04A1B2C3")
    ui.wait(lambda: ui.app.screens.current == "member_result", "the member result")
    assert ui.widget("title").text == "欢迎光临！"
    assert ui.widget("name").text == "张*明"  # masked: never the full name on the lobby screen
    assert "张小明" not in ui.widget("name").text
    assert ui.widget("visits").text == "剩余次数：4 次"
    assert ui.played == ["granted"]
    ui.wait(lambda: ui.app.screens.current == "home", "the result timing out", timeout=6)
    assert ui.screen("member_result").view is None  # wiped


def test_member_refused_says_why_and_what_to_do_in_the_chosen_language(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui()
    ui.tap("language")
    ui.wait(lambda: ui.app.lang == "en", "English")
    assert ui.kiosk.reader.tap("04A1B2C6")  # frozen
    ui.wait(lambda: ui.app.screens.current == "member_result", "the member result")
    assert ui.widget("title").text == "Entry refused"
    assert ui.widget("message").text == "Your membership is frozen. To resume it, please see reception."
    assert ui.widget("name").text == ""
    assert ui.played == ["refused"]
    ui.tap("done")
    ui.wait(lambda: ui.app.screens.current == "home", "Home after OK")
    assert ui.app.lang == "zh_CN"  # the next person starts in the default language


def test_idle_timeout_returns_home_and_wipes_the_pin(make_ui: Callable[..., Ui]) -> None:
    access = TechnicianAccess()
    ui = make_ui(extras={"technician_access": access})
    ui.app.idle.limits[ui.app.idle.kind.TECHNICIAN] = 1.0  # the rule under test, not its length
    ui.app.go("technician")
    for key in "1", "2":
        ui.press(next(w for w in ui.widget("pad").children if w.text == key))
    assert ui.widget("dots", "technician").text == "●●"
    ui.wait(lambda: ui.app.screens.current == "home", "the idle timeout", timeout=5)
    assert ui.screen("technician").presenter.digits == ""
    assert ui.widget("dots", "technician").text == ""
    assert access.tried == []


def test_touching_keeps_a_form_open(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui(extras={"technician_access": TechnicianAccess()})
    ui.app.idle.limits[ui.app.idle.kind.TECHNICIAN] = 1.5
    ui.app.go("technician")
    for key in "1234":
        ui.press(next(w for w in ui.widget("pad").children if w.text == key), hold_s=0.5)
    assert ui.app.screens.current == "technician"  # 2 s of touches > the 1.5 s limit
    assert ui.widget("dots", "technician").text == "●●●●"


def test_technician_holds_the_corner_enters_the_pin_and_sees_diagnostics(make_ui: Callable[..., Ui]) -> None:
    access, remote = TechnicianAccess(), RemoteActions()
    ui = make_ui(extras={"technician_access": access, "remote_actions": remote})
    corner = ui.widget("corner")
    ui.press(corner, hold_s=1.0)  # a short press is nothing
    assert ui.app.screens.current == "home"
    ui.press(corner, hold_s=3.3)
    ui.wait(lambda: ui.app.screens.current == "technician", "the PIN screen")
    pad = {w.text: w for w in ui.widget("pad").children}
    for key in "1111":
        ui.press(pad[key])
    ui.press(pad["好的"])
    ui.wait(lambda: ui.widget("message", "technician").text == "PIN 错误，请重试。", "wrong PIN")
    for key in access.pin:
        ui.press(pad[key])
    ui.press(pad["好的"])
    ui.wait(lambda: ui.app.screens.current == "diagnostics", "diagnostics")
    assert access.tried == ["1111", "2468"]
    diag = ui.screen("diagnostics")
    # The kiosk's own diagnostics: every check, the card reader's and the gate relay's among them.
    ui.wait(lambda: len(diag.ids.rows.children) >= 5, "the checks")
    groups = {row.name.split(".")[0] for row in diag.ids.rows.children}
    assert {"card_reader", "relay", "storage"} <= groups
    # a card read while the technician watches shows here, not as a member result
    assert ui.kiosk.reader.tap("04A1B2C3")
    ui.wait(lambda: ui.widget("last_tap", "diagnostics").text, "the last card read")
    assert ui.app.screens.current == "diagnostics"
    pulse = next(b for b in diag.ids.actions.children if b.text == "开闸一次")
    ui.press(pulse)
    ui.wait(lambda: remote.pulses == 1 and "gate pulsed" in ui.widget("action_result", "diagnostics").text,
            "the gate test")
    assert remote.asked_by == ["Tech One at the kiosk"]  # logged with who asked
    ui.tap("exit", "diagnostics")
    ui.wait(lambda: ui.app.screens.current == "home", "Home after Exit")


def test_help_alerts_reception_once_and_says_so(make_ui: Callable[..., Ui]) -> None:
    help_call = HelpCall()
    ui = make_ui(extras={"help_call": help_call})
    ui.tap("help")
    ui.wait(lambda: ui.widget("help_text").text == "正在呼叫前台…", "calling")
    ui.tap("help")  # pressed again while the call is in flight: not a second call
    help_call.release.set()
    ui.wait(lambda: ui.widget("help_text").text.startswith("已通知前台"), "reception told")
    assert help_call.calls == 1


def test_help_that_fails_sends_the_visitor_to_the_desk(make_ui: Callable[..., Ui]) -> None:
    help_call = HelpCall(fail=ConnectionError("central down"))
    help_call.release.set()
    ui = make_ui(extras={"help_call": help_call})
    ui.tap("help")
    ui.wait(lambda: ui.widget("help_text").text == "暂时联系不上前台，请到前台咨询。", "the failure")


def test_a_critical_device_down_shows_out_of_service_until_mended(make_ui: Callable[..., Ui]) -> None:
    help_call = HelpCall()
    ui = make_ui(extras={"help_call": help_call})
    ui.kiosk.reader.unplug()
    ui.wait(lambda: ui.app.screens.current == "out_of_service", "out of service", timeout=8)
    assert "读卡器" in ui.widget("problem", "out_of_service").text
    assert "访客仍可在本机登记。" in ui.widget("still_works", "out_of_service").text
    ui.tap("help", "out_of_service")
    ui.wait(lambda: ui.widget("help_text", "out_of_service").text == "正在呼叫前台…", "calling")
    help_call.release.set()  # reception answers after the press returned: the screen follows
    ui.wait(lambda: ui.widget("help_text", "out_of_service").text.startswith("已通知前台"), "told")
    ui.kiosk.reader.replug()
    ui.wait(lambda: ui.app.screens.current == "home", "Home again", timeout=8)
