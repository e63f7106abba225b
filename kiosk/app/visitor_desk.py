"""The visitor desk: register a visitor -> wait for staff approval -> print a slip. A seam.

This is the seam for the visitor issue; every method raises ServiceUnavailable until then.
What that issue fills in:

- `register(request)`: post the visitor (name, ID number from the ID card reader, host,
  purpose) to central through the sync worker's API and return a ticket; the ID number is
  hashed before it leaves the kiosk and never logged;
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
from dataclasses import dataclass, field
from datetime import datetime

from devices import Printer

from .errors import ServiceUnavailable
from .listeners import Listeners, Unsubscribe

log = logging.getLogger(__name__)
NOT_YET = "visitor registration is not available on this kiosk yet"


@dataclass(frozen=True, slots=True)
class VisitorRequest:
    name: str
    id_number: str = field(repr=False)  # from the ID card reader or typed; never logged
    host: str = ""
    purpose: str = ""


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

    def register(self, request: VisitorRequest) -> VisitorTicket:
        raise ServiceUnavailable("visitor desk", NOT_YET)

    def await_approval(self, ticket: VisitorTicket, timeout_s: float) -> VisitorResult:
        raise ServiceUnavailable("visitor desk", NOT_YET)

    def print_slip(self, ticket: VisitorTicket) -> VisitorResult:
        raise ServiceUnavailable("visitor desk", NOT_YET)
