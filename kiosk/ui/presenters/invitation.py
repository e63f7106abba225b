"""The invitation screen: a scanned invitation -> whom it is for and until when (or why not)
-> the visitor's ID steps with the invitation -> the slip.

The QR text is kept only until the registration is submitted or the screen is wiped; the
check runs through Background (it may ask central for a few seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.app.invitation import InvitationCheck

from .background import Background
from .texts import N_, Text, domain_text, text

SCAN_PROMPT = N_("Hold your invitation QR code under the scanner.")
CHECKING = N_("Checking your invitation…")
CHECK_FAILED = N_("The invitation cannot be checked now. Please see reception.")


class InvitationCheckIn:
    def __init__(self, check: Callable[[str], InvitationCheck], run: Background,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self._check = check
        self.run = run
        self.on_change = on_change
        self.wipe()

    def wipe(self) -> None:
        self.qr_text: str | None = None
        self.result: InvitationCheck | None = None
        self.checking = False
        self.message: Text = text(SCAN_PROMPT)
        self._token = object()

    @property
    def accepted(self) -> bool:
        return self.result is not None and self.result.accepted

    @property
    def host(self) -> str | None:
        return self.result.host if self.result is not None else None

    def scanned(self, qr_text: str) -> None:
        """A code was scanned while this screen shows; a second scan replaces the first."""
        self.wipe()
        self.qr_text = qr_text
        self.checking = True
        self.message = text(CHECKING)
        token = self._token

        def done(check: Any) -> None:
            if token is self._token:
                self._checked(check)
                self.on_change()

        def failed(_exc: BaseException) -> None:
            if token is self._token:
                self.checking = False
                self.qr_text = None
                self.message = text(CHECK_FAILED)
                self.on_change()

        self.on_change()
        self.run(lambda: self._check(qr_text), done, failed)

    def _checked(self, check: InvitationCheck) -> None:
        self.checking = False
        self.result = check
        if not check.accepted:
            self.qr_text = None  # nothing to register with
        self.message = domain_text(check.message_key, check.detail)
