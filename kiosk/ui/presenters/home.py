"""Home: the tap-your-card prompt, the ways in (visitor, invitation), language, and Help.

Help alerts reception through the kiosk's help call (`Kiosk.help_call.call()`); the screen
shows that it is calling, then that someone is coming, or where to go when the call failed.
A second press while a call is under way or just answered does not call again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.ui.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translate

# How long "reception is coming" stays up; pressing Help again after it re-alerts.
HELP_ANSWERED_S = 60.0


class HelpState(StrEnum):
    IDLE = "idle"
    CALLING = "calling"
    CALLED = "called"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"  # this build has no help call: go to the desk


HELP_TEXTS = {
    HelpState.IDLE: "",
    HelpState.CALLING: N_("Calling reception…"),
    HelpState.CALLED: N_("Reception has been told. Someone will come to help you shortly."),
    HelpState.FAILED: N_("Reception could not be reached. Please go to the reception desk."),
    HelpState.UNAVAILABLE: N_("Please go to the reception desk for help."),
}


@dataclass(frozen=True)
class HomeView:
    kiosk_name: str
    prompt: str
    visitor: str
    invitation: str
    help: str
    other_language: str  # the button shows the language it switches to, in that language
    help_text: str


class HomePresenter:
    def __init__(self, kiosk_name: str, help_call: Any | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.kiosk_name = kiosk_name
        self.help_call = help_call  # has .call(); None when the build has none
        self.help_state = HelpState.IDLE
        self._clock = clock
        self._help_at = 0.0

    def view(self, _: Translate, lang: str) -> HomeView:
        return HomeView(
            kiosk_name=self.kiosk_name,
            prompt=_("Tap your member card on the reader"),
            visitor=_("Visitor check-in"),
            invitation=_("I have an invitation"),
            help=_("Help"),
            other_language=LANGUAGE_NAMES[self.other_language(lang)],
            help_text=_(HELP_TEXTS[self.current_help_state()]) if self.current_help_state()
            is not HelpState.IDLE else "",
        )

    @staticmethod
    def other_language(lang: str) -> str:
        return LANGUAGES[(LANGUAGES.index(lang) + 1) % len(LANGUAGES)]

    def current_help_state(self) -> HelpState:
        if self.help_state is HelpState.CALLED and self._clock() - self._help_at > HELP_ANSWERED_S:
            self.help_state = HelpState.IDLE
        return self.help_state

    def press_help(self) -> Callable[[], Any] | None:
        """The call to run off the UI thread, or None when there is nothing to call."""
        state = self.current_help_state()
        if state in (HelpState.CALLING, HelpState.CALLED):
            return None
        if self.help_call is None:
            self.help_state = HelpState.UNAVAILABLE
            return None
        self.help_state = HelpState.CALLING
        return self.help_call.call

    def help_done(self, _outcome: Any) -> None:
        self.help_state = HelpState.CALLED
        self._help_at = self._clock()

    def help_failed(self, _exc: BaseException) -> None:
        self.help_state = HelpState.FAILED

    def reset(self) -> None:
        """Idle wipe: a failed or unavailable notice is not left for the next person."""
        if self.help_state in (HelpState.FAILED, HelpState.UNAVAILABLE):
            self.help_state = HelpState.IDLE
