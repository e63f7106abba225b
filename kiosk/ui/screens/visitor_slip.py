"""The slip: its QR code on screen beside what was printed, and whether it printed.

Timed out like a form, not a result: a visitor whose slip did not print needs time to
photograph the code."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.visitor_session import SLIP
from kiosk.ui.presenters.visitor_visit import ERROR_TEXT
from kiosk.ui.qr_code import QrCode  # noqa: F401 - the .kv rule names it

from .registry import register
from .visitor_base import VisitorScreen


@register(SLIP)
class VisitorSlipScreen(VisitorScreen):
    idle_kind = IdleKind.FORM
    qr = StringProperty("")
    status = StringProperty("")
    printed = BooleanProperty(False)
    lines = StringProperty("")

    def refresh(self) -> None:
        if self.shell is None:
            return
        visit = self.session.visit
        self.qr = visit.qr_text or ""
        self.printed = visit.printed
        # Never shown without a slip in use; if it is, the visitor is not left with a blank.
        self.status = self.t(visit.message) or self.shell.translate(ERROR_TEXT)
        # The slip's own lines are bilingual already (kiosk.app.visitor_slip); the name is masked.
        self.lines = "\n".join(visit.slip.lines[1:]) if visit.slip is not None else ""

    def done(self) -> None:
        self.shell.go_home()
