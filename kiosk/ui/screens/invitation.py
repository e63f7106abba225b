"""I have an invitation: scan it -> whom it is for and until when (or why not) -> Continue to
the ID steps -> the slip (presenters.invitation, presenters.visitor_session).

`scanned(text)` takes the scanner's text while this screen shows (see the module docstring of
kiosk.ui.presenters.invitation; the QR scanner's lines reach it through the app)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.presenters.idle import IdleKind

from .registry import INVITATION, register
from .visitor_base import VisitorScreen


@register(INVITATION)
class InvitationScreen(VisitorScreen):
    idle_kind = IdleKind.FORM
    message = StringProperty("")
    accepted = BooleanProperty(False)
    checking = BooleanProperty(False)

    def refresh(self) -> None:
        if self.shell is None:
            return
        inv = self.session.invitation
        self.message = self.t(inv.message)
        self.accepted = inv.accepted
        self.checking = inv.checking

    def scanned(self, qr_text: str) -> None:
        self.session.invitation.scanned(qr_text)

    def go_on(self) -> None:
        self.session.start_invited()
