"""A receptionist approves the waiting visitor here with their PIN (presenters.visitor_visit):
choose the name, type the PIN (shown as dots), Approve; Back returns to "see reception"."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.visitor_session import PIN

from .registry import register
from .visitor_base import VisitorScreen


@register(PIN)
class VisitorPinScreen(VisitorScreen):
    idle_kind = IdleKind.FORM
    receptionists = ListProperty([])
    receptionist = StringProperty("")
    message = StringProperty("")
    dots = StringProperty("")
    ready = BooleanProperty(False)

    def refresh(self) -> None:
        if self.shell is None:
            return
        visit = self.session.visit
        self.receptionists = list(visit.receptionists)
        self.receptionist = visit.receptionist
        self.message = self.t(visit.pin_message)
        self.dots = visit.pin_dots
        self.ready = bool(visit.receptionist and visit.pin)
        entry = self.ids.get("pin")
        if entry is not None and entry.text != visit.pin:
            entry.text = visit.pin  # emptied after each attempt

    def choose(self, name: str) -> None:
        self.session.visit.choose_receptionist(name)
        self.refresh()

    def typed(self, value: str) -> None:
        self.session.visit.set_pin(value)
        self.dots = self.session.visit.pin_dots
        self.ready = bool(self.session.visit.receptionist and self.session.visit.pin)

    def approve(self) -> None:
        self.session.visit.submit_pin()
        self.refresh()

    def back(self) -> None:
        self.session.visit.leave_pin()
