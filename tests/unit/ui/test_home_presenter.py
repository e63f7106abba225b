"""Home's logic: the Help call's states, one call at a time, and the language button."""

from __future__ import annotations

from kiosk.ui.presenters.home import HELP_ANSWERED_S, HelpState, HomePresenter
from tests.unit.ui.support import Clock, tr


class Help:
    def __init__(self) -> None:
        self.calls = 0

    def call(self) -> str:
        self.calls += 1
        return "queued"


def test_help_calls_once_then_says_reception_is_coming() -> None:
    helper, clock = Help(), Clock()
    home = HomePresenter("Lobby", helper, clock)
    call = home.press_help()
    assert call is not None and home.help_state is HelpState.CALLING
    assert home.press_help() is None  # pressed again while calling
    home.help_done(call())
    assert home.view(tr("en"), "en").help_text == \
        "Reception has been told. Someone will come to help you shortly."
    assert home.press_help() is None  # answered: not again for a while
    clock.advance(HELP_ANSWERED_S + 1)
    assert home.view(tr("en"), "en").help_text == ""
    assert home.press_help() is not None  # a minute later a new call is possible
    assert helper.calls == 1


def test_help_failure_and_reset() -> None:
    home = HomePresenter("Lobby", Help())
    home.press_help()
    home.help_failed(ConnectionError("down"))
    assert home.view(tr("zh_CN"), "zh_CN").help_text == "暂时联系不上前台，请到前台咨询。"
    assert home.press_help() is not None  # may try again
    home.help_failed(ConnectionError("down"))
    home.reset()
    assert home.help_state is HelpState.IDLE


def test_without_a_help_call_the_desk_is_named() -> None:
    home = HomePresenter("Lobby", None)
    assert home.press_help() is None
    assert home.view(tr("en"), "en").help_text == "Please go to the reception desk for help."


def test_texts_and_the_language_button() -> None:
    home = HomePresenter("会所大堂", None)
    zh, en = home.view(tr("zh_CN"), "zh_CN"), home.view(tr("en"), "en")
    assert (zh.other_language, en.other_language) == ("English", "中文")
    assert (zh.visitor, en.visitor) == ("访客登记", "Visitor check-in")
    assert zh.prompt != en.prompt and zh.kiosk_name == en.kiosk_name == "会所大堂"
    assert zh.help_text == ""
