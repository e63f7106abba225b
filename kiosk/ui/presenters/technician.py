"""Technician entry: after the hidden corner is held, a PIN checked by the kiosk's
technician access (`Kiosk.technician_access.verify(pin) -> name | None`).

The PIN is never shown (dots only) and forgotten as soon as it is checked or the screen
leaves. After MAX_FAILURES wrong PINs in a row the pad is locked for LOCKOUT_S, so a
passer-by cannot try PINs at the lobby kiosk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.ui.i18n import Translate

MIN_DIGITS = 4
MAX_DIGITS = 8
MAX_FAILURES = 5
LOCKOUT_S = 300.0


class PinState(StrEnum):
    ENTERING = "entering"
    CHECKING = "checking"
    WRONG = "wrong"
    LOCKED = "locked"
    UNAVAILABLE = "unavailable"  # this build cannot check technician PINs
    ERROR = "error"  # the check itself failed


@dataclass(frozen=True)
class PinView:
    title: str
    dots: str
    message: str
    can_submit: bool
    keys_enabled: bool


class TechnicianPinPresenter:
    def __init__(self, access: Any | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.access = access  # has .verify(pin) -> str | None; None when absent
        self._clock = clock
        self.digits = ""
        self.state = PinState.ENTERING if access is not None else PinState.UNAVAILABLE
        self.failures = 0
        self._locked_until = 0.0

    def locked(self) -> bool:
        if self.state is PinState.LOCKED and self._clock() >= self._locked_until:
            self.state = PinState.ENTERING
            self.failures = 0
        return self.state is PinState.LOCKED

    def press(self, key: str) -> None:
        if self.locked() or self.state in (PinState.CHECKING, PinState.UNAVAILABLE):
            return
        if len(key) == 1 and key.isascii() and key.isdigit() and len(self.digits) < MAX_DIGITS:
            self.digits += key
            self.state = PinState.ENTERING

    def backspace(self) -> None:
        if self.state is not PinState.CHECKING:
            self.digits = self.digits[:-1]

    def submit(self) -> Callable[[], str | None] | None:
        """The check to run off the UI thread, or None when there is nothing to check."""
        if self.locked() or self.access is None or self.state is PinState.CHECKING:
            return None
        if len(self.digits) < MIN_DIGITS:
            return None
        pin, self.digits = self.digits, ""  # not kept a moment longer than needed
        self.state = PinState.CHECKING
        verify = self.access.verify
        return lambda: verify(pin)

    def checked(self, technician: str | None) -> bool:
        """The check's answer: True when the technician may go on to diagnostics."""
        if technician:
            self.failures = 0
            self.state = PinState.ENTERING
            return True
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self.state = PinState.LOCKED
            self._locked_until = self._clock() + LOCKOUT_S
        else:
            self.state = PinState.WRONG
        return False

    def check_failed(self, _exc: BaseException) -> None:
        self.state = PinState.ERROR

    def wipe(self) -> None:
        self.digits = ""
        if self.state not in (PinState.LOCKED, PinState.UNAVAILABLE):
            self.state = PinState.ENTERING

    def view(self, _: Translate) -> PinView:
        messages = {
            PinState.ENTERING: _("Enter the technician PIN"),
            PinState.CHECKING: _("Checking…"),
            PinState.WRONG: _("Wrong PIN. Try again."),
            PinState.LOCKED: _("Too many wrong PINs. Try again in a few minutes."),
            PinState.UNAVAILABLE: _("Technician access is not available on this kiosk."),
            PinState.ERROR: _("The PIN could not be checked. Try again."),
        }
        locked = self.locked()
        enabled = not locked and self.state not in (PinState.CHECKING, PinState.UNAVAILABLE)
        return PinView(
            title=_("Technician"),
            dots="●" * len(self.digits),
            message=messages[self.state],
            can_submit=enabled and len(self.digits) >= MIN_DIGITS,
            keys_enabled=enabled,
        )
