"""Home under Xvfb, driven by touches: the language switch retranslates every text."""

from __future__ import annotations

from collections.abc import Callable

from tests.ui.conftest import Ui


def test_language_button_switches_every_text_and_back(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui()
    assert ui.app.screens.current == "home"
    assert ui.widget("prompt").text == "请在读卡区刷会员卡"
    assert ui.widget("language").text == "English"  # it offers the other language
    ui.tap("language")
    ui.wait(lambda: ui.widget("prompt").text == "Tap your member card on the reader", "English prompt")
    assert ui.widget("help").text == "Help"
    assert ui.widget("language").text == "中文"
    ui.tap("language")
    ui.wait(lambda: ui.widget("prompt").text == "请在读卡区刷会员卡", "Chinese prompt again")
    assert ui.widget("help").text == "呼叫帮助"


def test_the_tap_your_card_animation_runs_on_home_only(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui()
    home = ui.screen("home")
    seen = set()
    ui.wait(lambda: (seen.add(round(home.pulse, 1)), len(seen) >= 3)[1], "the card moving")
    ui.app.go("technician")
    ui.wait(lambda: home.pulse == 0.0, "the animation stopped off Home")


def test_start_enters_home_and_no_other_screen(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui()
    for _ in range(5):  # a fetch another screen started on entering would land in these frames
        ui.frame()
    assert ui.app.screens.screen_names[0] == "home"
    diagnostics = ui.screen("diagnostics")
    # Diagnostics fetches its live checks on entering; nobody has opened it yet.
    assert not diagnostics._fetching and diagnostics._refresh is None
    assert diagnostics.presenter.rows == []


def test_a_language_switch_retexts_other_screens_when_they_are_shown(make_ui: Callable[..., Ui]) -> None:
    ui = make_ui()
    diag = ui.screen("diagnostics")
    chinese = sorted(b.text for b in diag.ids.actions.children)
    assert chinese  # the live tests a technician may run, labelled in Python
    calls: list[str] = []
    original = diag.retext
    diag.retext = lambda: (calls.append(ui.app.lang), original())[1]
    ui.tap("language")
    ui.wait(lambda: ui.widget("prompt").text == "Tap your member card on the reader", "English prompt")
    assert calls == []  # not in view: the switch does not rebuild it
    ui.app.go("diagnostics")
    assert calls[:1] == ["en"]  # shown: in the language now chosen
    english = sorted(b.text for b in diag.ids.actions.children)
    assert english and english != chinese
    ui.app.go_home()
    ui.wait(lambda: ui.widget("prompt").text == "请在读卡区刷会员卡", "Chinese again after Home")
