"""Refused, timed out or reception unreachable: see reception, and PIN approval when a
receptionist can still approve here. A plain "see reception" is a result (short idle); one
that offers a PIN waits like a form, for the receptionist to walk over."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.visitor_session import REFUSED

from .registry import register
from .visitor_base import VisitorScreen


@register(REFUSED)
class VisitorRefusedScreen(VisitorScreen):
    idle_kind = IdleKind.RESULT
    message = StringProperty("")
    pin_can_help = BooleanProperty(False)

    def show(self, **params: Any) -> None:
        self.idle_kind = IdleKind.FORM if self.session.visit.pin_can_help else IdleKind.RESULT
        super().show(**params)

    def refresh(self) -> None:
        if self.shell is None:
            return
        visit = self.session.visit
        self.message = self.t(visit.message)
        self.pin_can_help = visit.pin_can_help

    def pin(self) -> None:
        self.session.visit.start_pin()

    def done(self) -> None:
        self.shell.go_home()
