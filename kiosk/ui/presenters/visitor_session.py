"""One visitor at the kiosk, across the visitor screens: the steps, the visit after them, an
invitation, and which screen shows which phase. Plain Python: the screens hold one each
(built by the app's first visitor screen) and only draw what it says.

Navigation is by result: a phase of the visit names its screen (PHASE_SCREENS), and
`navigate` is called when that is not the screen already showing. A read ID card starts or
fills a registration when a visitor screen or Home is showing, and is ignored elsewhere (a
technician's diagnostics, a member's result).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from kiosk.app.visitor_form import FormError

from .background import Background
from .invitation import InvitationCheckIn
from .visitor_ports import IdCardLike
from .visitor_steps import VisitorSteps
from .visitor_visit import Desk, Phase, VisitorVisit

HOME: Final = "home"
STEPS: Final = "visitor"  # kiosk.ui.screens.registry.VISITOR
INVITATION: Final = "invitation"  # kiosk.ui.screens.registry.INVITATION
WAIT: Final = "visitor_wait"
SLIP: Final = "visitor_slip"
REFUSED: Final = "visitor_refused"
PIN: Final = "visitor_pin"
PHASE_SCREENS: Final[dict[Phase, str]] = {
    Phase.SUBMITTING: WAIT, Phase.WAITING: WAIT, Phase.PRINTING: WAIT, Phase.SLIP: SLIP,
    Phase.REFUSED: REFUSED, Phase.UNREACHABLE: REFUSED, Phase.PIN: PIN, Phase.FORM_REFUSED: STEPS,
}
# Where a read ID card is taken: Home starts a registration with it.
CARD_SCREENS: Final = frozenset({HOME, STEPS, INVITATION})


class VisitorSession:
    def __init__(self, desk: Desk, run: Background, *, notice_version: str,
                 today: Callable[[], dt.date], navigate: Callable[[str], None],
                 current: Callable[[], str], gettext: Callable[[str], str],
                 approval_wait_s: float = 120.0, wait: Background | None = None) -> None:
        self.navigate = navigate
        self.current = current
        self.gettext = gettext
        self.redraw: list[Callable[[], None]] = []  # the screens' refresh, after every change
        self.steps = VisitorSteps(notice_version=notice_version, today=today)
        self.visit = VisitorVisit(desk, run, wait=wait, approval_wait_s=approval_wait_s,
                                  on_change=self._visit_changed)
        self.invitation = InvitationCheckIn(desk.check_invitation, run, on_change=self._changed)

    def _changed(self) -> None:
        for redraw in list(self.redraw):
            redraw()

    def _visit_changed(self) -> None:
        phase = self.visit.phase
        if phase is Phase.FORM_REFUSED:
            error = self.visit.form_error
            if isinstance(error, FormError):
                self.steps.refused(error)
            self.visit.phase = Phase.IDLE
        screen = PHASE_SCREENS.get(phase)
        if screen is not None and screen != self.current():
            self.navigate(screen)
        self._changed()

    # -- what the screens ask ----------------------------------------------------------------
    def submit(self) -> None:
        """The last step passed: register (the form keeps its client id until wiped)."""
        self.visit.submit(self.steps.form(self.gettext))

    def start_invited(self) -> None:
        """An accepted invitation: its ID steps, then the slip."""
        qr_text, host = self.invitation.qr_text, self.invitation.host
        if not self.invitation.accepted or qr_text is None:
            return
        self.steps.wipe()
        self.steps.invite(qr_text, host)
        self.navigate(STEPS)

    def card_read(self, card: IdCardLike) -> None:
        """From the desk's listener, on the UI thread."""
        where = self.current()
        if where not in CARD_SCREENS:
            return
        if where == INVITATION:
            if not self.invitation.accepted:
                return
            self.start_invited()
        elif where == HOME:
            self.wipe()
            self.navigate(STEPS)
        if self.steps.fill_from_card(card):
            self._changed()

    def wipe(self) -> None:
        """Cancel, idle timeout, done: nothing of this visitor is kept."""
        self.steps.wipe()
        self.visit.reset()
        self.invitation.wipe()
        self._changed()
