"""The visitor desk: register a visitor -> wait for staff approval -> print a slip. A seam.

This is the seam for the visitor issue; every method raises ServiceUnavailable until then.
What that issue fills in:

- `register(request)`: queue the visitor (kiosk.store.VisitorRequest: ID from the ID card
  reader or typed, name, mobile, host, purpose, party size) for central and return a ticket;
  the store keeps the ID number encrypted under its own key until central has it, and it is
  never logged;
- `await_approval(ticket, timeout_s)`: wait (on the caller's thread, typically a UI worker,
  never the UI thread) for reception's decision, which arrives on the sync long-poll thread;
- `print_slip(ticket)`: print the approved visitor's slip (a one-day QR pass for the
  PassEntrance) on the kiosk's printer; when the printer is down or not configured, the
  result says so and the UI shows the pass on screen instead.

Results (approved, refused, printed, print failed) are published to subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from devices import IdCard, Printer
from kiosk.store import VisitorRequest

from .errors import ServiceUnavailable
from .listeners import Listeners, Unsubscribe

log = logging.getLogger(__name__)
NOT_YET = "visitor registration is not available on this kiosk yet"


@dataclass(frozen=True, slots=True)
class VisitorTicket:
    """A registration central has taken; `ref` is central's id for it."""

    ref: str
    at: datetime


@dataclass(frozen=True, slots=True)
class VisitorResult:
    ref: str
    state: str  # approved | refused | printed | print_failed
    reason: str = ""


class VisitorDesk:
    def __init__(self, printer: Printer | None) -> None:
        self.printer = printer  # None when the configured printer failed to open
        self._listeners: Listeners[VisitorResult] = Listeners(log, "visitor desk")

    def subscribe(self, listener: Callable[[VisitorResult], None]) -> Unsubscribe:
        """Call `listener` with every visitor result; returns unsubscribe."""
        return self._listeners.subscribe(listener)

    def handle_id_card(self, card: IdCard) -> None:
        """The ID card reader's callback (its thread). Until registration exists a card is
        acknowledged and dropped; the visitor issue fills the ID step from it."""
        log.info("visitor desk: an ID card (%s) was read; registration is not available yet",
                 card.id_type.value)

    def register(self, request: VisitorRequest) -> VisitorTicket:
        raise ServiceUnavailable("visitor desk", NOT_YET)

    def await_approval(self, ticket: VisitorTicket, timeout_s: float) -> VisitorResult:
        raise ServiceUnavailable("visitor desk", NOT_YET)

    def print_slip(self, ticket: VisitorTicket) -> VisitorResult:
        raise ServiceUnavailable("visitor desk", NOT_YET)
