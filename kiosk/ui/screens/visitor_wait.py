"""Waiting for reception: a visible timer and Cancel; also "sending" and "printing"
(presenters.visitor_visit). Never timed out by idleness: the wait has its own end."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.texts import N_
from kiosk.ui.presenters.visitor_session import WAIT
from kiosk.ui.presenters.visitor_visit import Phase

from .registry import register
from .visitor_base import VisitorScreen

HEADINGS = {
    Phase.SUBMITTING: N_("Sending your registration…"),
    Phase.WAITING: N_("Waiting for reception to approve your visit"),
    Phase.PRINTING: N_("Approved! Printing your slip…"),
}
WAIT_HINT = N_("Please stay here. You can cancel at any time.")


@register(WAIT)
class VisitorWaitScreen(VisitorScreen):
    idle_kind = IdleKind.NONE
    heading = StringProperty("")
    hint = StringProperty("")
    timer = StringProperty("")
    can_cancel = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tick: Any = None

    def on_enter(self, *_args: Any) -> None:
        self._tick = Clock.schedule_interval(lambda _dt: self.refresh(), 0.5)

    def on_leave(self, *_args: Any) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def refresh(self) -> None:
        if self.shell is None:
            return
        visit = self.session.visit
        tr = self.shell.translate
        self.heading = tr(HEADINGS.get(visit.phase, HEADINGS[Phase.SUBMITTING]))
        waiting = visit.phase is Phase.WAITING
        self.hint = tr(WAIT_HINT) if waiting else ""
        self.timer = visit.timer_text() if waiting else ""
        self.can_cancel = visit.phase is not Phase.PRINTING  # the slip is coming: take it
