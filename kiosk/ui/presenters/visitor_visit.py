"""After the last step: register -> wait for reception (a visible timer, cancel) -> print ->
the slip; or refused / timed out (see reception); or PIN approval at the kiosk.

`VisitorVisit` runs every desk call through `Background` (never on the UI thread) and says
which screen shows it through `phase`; `on_change` is called after every change (on the UI
thread, where Background delivers). A result that arrives after the visitor cancelled, or
for another registration, is dropped: a stale answer never shows on the next visitor's screen.
Cancelling a wait leaves the registration with reception (central keeps it pending until it
times out there); the screen is wiped at once.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Protocol

from kiosk.app import visitor_desk as vd
from kiosk.app.errors import PinLocked, PinUnavailable, PinWrong, ServiceUnavailable
from kiosk.app.invitation import InvitationCheck
from kiosk.app.visitor_desk import VisitorForm, VisitorResult, VisitorTicket
from kiosk.app.visitor_form import FormError
from kiosk.domain import messages

from .background import Background
from .texts import N_, Text, domain_text, text
from .visitor_ports import HostLike, SlipLike

log = logging.getLogger(__name__)
PIN_MAX: Final = 12


class Desk(Protocol):
    """The part of kiosk.app.VisitorDesk the visitor screens use."""

    pin_approval: Any

    def register(self, form: VisitorForm) -> VisitorTicket: ...
    def await_approval(self, ticket: VisitorTicket, timeout_s: float | None = None) -> VisitorResult: ...
    def approve_with_pin(self, ticket: VisitorTicket, receptionist: str, pin: str) -> VisitorResult: ...
    def print_slip(self, ticket: VisitorTicket) -> VisitorResult: ...
    def search_hosts(self, text: str) -> list[HostLike]: ...
    def check_invitation(self, qr_text: str) -> InvitationCheck: ...


class Phase(StrEnum):
    IDLE = "idle"
    SUBMITTING = "submitting"  # register() in flight
    WAITING = "waiting"  # for reception, with the timer
    PRINTING = "printing"
    SLIP = "slip"
    REFUSED = "refused"  # denied, timed out, blocklisted, not accepted: see reception
    UNREACHABLE = "unreachable"  # reception cannot be asked: PIN approval or see reception
    PIN = "pin"
    FORM_REFUSED = "form_refused"  # the desk refused a field: back to that step


# What the visitor is told on the refused screen, by the desk's result state. Never why
# (a blocklist match must not be told apart from a plain "no").
REFUSED_TEXTS: Final[dict[str, str]] = {
    vd.DENIED: N_("Your visit was not approved. Please see reception."),
    vd.TIMED_OUT: N_("Reception has not answered in time. Please see reception."),
    vd.SEE_RECEPTION: N_("Please see reception to complete your visit."),
}
UNREACHABLE_TEXT: Final = N_("Reception cannot be reached right now. A receptionist can approve "
                             "your visit here with a PIN, or please see reception.")
ERROR_TEXT: Final = N_("Something went wrong. Please see reception.")
PRINTED_TEXT: Final = N_("Your slip is printed. Please take it and scan its QR code at the gate.")
PRINT_FAILED_TEXT: Final = N_("The printer is not working. Scan this QR code at the gate "
                              "(you may photograph it), or see reception.")
PIN_TEXTS: Final = {
    "wrong": N_("Wrong PIN. {attempts} attempt(s) left."),
    "locked": N_("PIN approval is locked until {until}. Please see reception."),
    "unavailable": N_("PIN approval cannot be used now. Please see reception."),
    "choose": N_("Choose the receptionist, then type the PIN."),
    "empty": N_("Please type the PIN."),
}


def invitation_refusal(key: str) -> Text:
    """The invitation's own refusal text when it needs no detail the error lacks (a date),
    else "see reception"."""
    template = messages.INVITATION_MESSAGES.get(key, {}).get("en")
    if template is not None and not messages.placeholders(template):
        return domain_text(key, {})
    return text(REFUSED_TEXTS[vd.SEE_RECEPTION])


class VisitorVisit:
    def __init__(self, desk: Desk, run: Background, *, wait: Background | None = None,
                 approval_wait_s: float = 120.0, clock: Callable[[], float] = time.monotonic,
                 local_time: Callable[[datetime], str] = lambda t: t.astimezone().strftime("%H:%M"),
                 on_change: Callable[[], None] = lambda: None) -> None:
        self.desk = desk
        self.run = run
        # The wait blocks for up to approval_wait_s: it gets its own worker where the app
        # shell has one, so a host search or a print is never queued behind it.
        self.wait = wait or run
        self.approval_wait_s = approval_wait_s
        self.clock = clock
        self.local_time = local_time
        self.on_change = on_change
        self.reset()

    def reset(self) -> None:
        """Forget the visit (done, cancelled, idle): a late answer for it is dropped."""
        self.phase = Phase.IDLE
        self.ticket: VisitorTicket | None = None
        self.form_error: FormError | None = None
        self.message: Text | None = None
        self.slip: SlipLike | None = None
        self.printed = False
        self.waiting_since: float | None = None
        self.pin_can_help = False
        self.receptionists: list[str] = []
        self.receptionist = ""
        self.pin = ""
        self.pin_message: Text | None = None
        self._token = object()

    def _guard(self, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        token = self._token

        def call(value: Any) -> None:
            if token is self._token:
                fn(value)
                self.on_change()
        return call

    def _set(self, phase: Phase) -> None:
        self.phase = phase
        self.on_change()

    # -- register and wait -------------------------------------------------------------------
    def submit(self, form: VisitorForm) -> None:
        if self.phase is Phase.SUBMITTING:
            return  # a double tap on "Submit"
        self.reset()
        self._set(Phase.SUBMITTING)
        self.run(lambda: self.desk.register(form), self._guard(self._registered),
                 self._guard(self._register_failed))

    def _registered(self, ticket: VisitorTicket) -> None:
        self.ticket = ticket
        if ticket.see_reception:
            self._refused(vd.SEE_RECEPTION)
            return
        self.phase = Phase.WAITING
        self.waiting_since = self.clock()
        self.wait(lambda: self.desk.await_approval(ticket, self.approval_wait_s),
                  self._guard(self._decided), self._guard(self._failed))

    def _register_failed(self, exc: BaseException) -> None:
        if isinstance(exc, FormError):
            if exc.field == "invitation":
                self.phase = Phase.REFUSED
                self.message = invitation_refusal(exc.key)
                return
            self.form_error = exc
            self.phase = Phase.FORM_REFUSED
            return
        self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        log.error("visitor screens: the desk failed (%s)", type(exc).__name__)  # no message: may be personal
        self.phase = Phase.REFUSED
        self.message = text(ERROR_TEXT)

    def _refused(self, state: str) -> None:
        self.phase = Phase.REFUSED
        self.message = text(REFUSED_TEXTS.get(state, REFUSED_TEXTS[vd.SEE_RECEPTION]))
        # A receptionist may still approve here when the wait merely ran out.
        self.pin_can_help = state == vd.TIMED_OUT and self.desk.pin_approval is not None

    def _decided(self, result: VisitorResult) -> None:
        if self.ticket is None or result.ref != self.ticket.ref or self.phase in (Phase.PRINTING, Phase.SLIP):
            return  # another visit's, or approved already (a PIN ends the wait approved too)
        if result.state == vd.APPROVED:
            self._print()
        elif result.state == vd.CENTRAL_UNREACHABLE:
            self.phase = Phase.UNREACHABLE
            self.message = text(UNREACHABLE_TEXT)
            self.pin_can_help = self.desk.pin_approval is not None
        else:
            self._refused(result.state)

    def remaining_s(self) -> int:
        """Whole seconds left of the wait (the timer on screen), never below 0."""
        if self.waiting_since is None:
            return 0
        left = self.approval_wait_s - (self.clock() - self.waiting_since)
        return max(0, math.ceil(left))

    def timer_text(self) -> str:
        left = self.remaining_s()
        return f"{left // 60}:{left % 60:02d}"

    # -- printing ---------------------------------------------------------------------------
    def _print(self) -> None:
        ticket = self.ticket
        assert ticket is not None
        self.phase = Phase.PRINTING
        self.run(lambda: self.desk.print_slip(ticket), self._guard(self._printed), self._guard(self._failed))

    def _printed(self, result: VisitorResult) -> None:
        self.slip = result.slip
        self.printed = result.state == vd.PRINTED
        self.message = text(PRINTED_TEXT if self.printed else PRINT_FAILED_TEXT)
        self.phase = Phase.SLIP if self.slip is not None else Phase.REFUSED
        if self.slip is None:
            self.message = text(ERROR_TEXT)

    @property
    def qr_text(self) -> str | None:
        return self.slip.qr if self.slip is not None else None

    # -- PIN approval -----------------------------------------------------------------------
    def start_pin(self) -> None:
        if self.ticket is None or self.desk.pin_approval is None:
            return
        self.phase = Phase.PIN
        self.pin = ""
        self.receptionist = ""
        self.pin_message = text(PIN_TEXTS["choose"])
        pin_approval = self.desk.pin_approval
        names = getattr(pin_approval, "receptionists", None)
        self.on_change()
        if names is not None:
            self.run(names, self._guard(self._names), self._guard(lambda _exc: None))

    def _names(self, names: list[str]) -> None:
        self.receptionists = list(names)
        if not self.receptionists:
            self.pin_message = text(PIN_TEXTS["unavailable"])

    def choose_receptionist(self, name: str) -> None:
        if name in self.receptionists:
            self.receptionist = name
            self.on_change()

    def set_pin(self, pin: str) -> None:
        self.pin = "".join(c for c in pin if c.isdigit())[:PIN_MAX]

    @property
    def pin_dots(self) -> str:
        return "\u25cf" * len(self.pin)

    def submit_pin(self) -> None:
        ticket = self.ticket
        if ticket is None or self.phase is not Phase.PIN:
            return
        if not self.receptionist:
            self.pin_message = text(PIN_TEXTS["choose"])
            self.on_change()
            return
        if not self.pin:
            self.pin_message = text(PIN_TEXTS["empty"])
            self.on_change()
            return
        who, pin = self.receptionist, self.pin
        self.pin = ""  # never kept past the attempt
        self.run(lambda: self.desk.approve_with_pin(ticket, who, pin), self._guard(self._decided),
                 self._guard(self._pin_failed))

    def _pin_failed(self, exc: BaseException) -> None:
        if isinstance(exc, PinWrong):
            self.pin_message = text(PIN_TEXTS["wrong"], attempts=exc.attempts_left)
        elif isinstance(exc, PinLocked):
            self.pin_message = text(PIN_TEXTS["locked"], until=self.local_time(exc.until))
        elif isinstance(exc, PinUnavailable | ServiceUnavailable):
            self.pin_message = text(PIN_TEXTS["unavailable"])
        else:
            self._failed(exc)

    def leave_pin(self) -> None:
        """Back from the PIN screen to where it was asked for."""
        self.pin = ""
        self.phase = Phase.UNREACHABLE if self.message is not None and \
            self.message.msgid == UNREACHABLE_TEXT else Phase.REFUSED
        self.on_change()
