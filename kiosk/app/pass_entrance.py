"""The pass entrance: a QR scan -> verify -> the Gate. For now every scan is refused.

This is the seam for the QR-pass issue. What it fills in, in `_decide`:

- verify the payload with lobby_core.passes (signature, expiry, facility, this kiosk);
- hand the Gate a record function that inserts the pass's event and marks the pass use
  spent in the same write transaction, with a Passage whose `undo` gives the use back, so a
  pass gets exactly the card's guarantees (recorded before the pulse, refunded only when
  provably nothing went out, kept spent as "unconfirmed" otherwise);
- map the Gate's `Through` to a PassResult (granted, pulse state, see_staff).

Until then a scan is answered with `pass_not_supported`, logged without its payload (a pass
is a credential), and nothing about a scan (a malformed payload, a bug, a failing listener)
may stop the scanner's loop: `handle_scan` never raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from devices import Scan

from .gate import Gate
from .listeners import Listeners, Unsubscribe

log = logging.getLogger(__name__)

PASS_NOT_SUPPORTED = "pass_not_supported"
PASS_ERROR = "pass_error"  # handling the scan itself failed
MESSAGE_NOT_SUPPORTED = "pass.denied.not_supported"
MESSAGE_ERROR = "access.error"


@dataclass(frozen=True, slots=True)
class PassResult:
    """What one scan came to, as published to listeners. Never holds the payload."""

    at: datetime
    granted: bool
    reason: str | None  # PASS_NOT_SUPPORTED, ... ; None when granted
    message_key: str
    see_staff: bool = False
    event_uuid: str | None = None  # the pass's event once passes are recorded

    def log_line(self) -> str:
        parts = ["pass", "granted" if self.granted else "denied", f"reason={self.reason or '-'}"]
        if self.see_staff:
            parts.append("see_staff")
        return " ".join(parts)


class PassEntrance:
    """QR scans at this kiosk's scanner. `handle_scan` runs on the scanner's thread."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate  # the same turnstile the member entrance pulses
        self._listeners: Listeners[PassResult] = Listeners(log, "pass entrance")

    def subscribe(self, listener: Callable[[PassResult], None]) -> Unsubscribe:
        """Call `listener` with every result (in the scanner's thread); returns unsubscribe."""
        return self._listeners.subscribe(listener)

    def handle_scan(self, scan: Scan) -> PassResult:
        try:
            result = self._decide(scan)
        except Exception as exc:
            # No traceback: its messages may quote the payload. The kind of failure is enough.
            log.error("pass entrance: could not handle a scan (%s)", type(exc).__name__)
            result = PassResult(at=scan.at, granted=False, reason=PASS_ERROR,
                                message_key=MESSAGE_ERROR, see_staff=True)
        log.info("%s", result.log_line())
        self._listeners.publish(result)
        return result

    def _decide(self, scan: Scan) -> PassResult:
        return PassResult(at=scan.at, granted=False, reason=PASS_NOT_SUPPORTED,
                          message_key=MESSAGE_NOT_SUPPORTED)
