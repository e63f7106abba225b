"""One QR scanner, two kinds of code: a visitor pass goes to the turnstile (PassEntrance); an
invitation goes to the screen that checks invitations in, while one is listening.

The kiosk has one scanner. An invitation shown at the turnstile was refused as "wrong kind"
before; with the touchscreen running, showing it is how an invited visitor checks in. Without
a screen listening (headless, or a screen that cannot take one now), it still reaches the pass
entrance and is refused there with that advice. The router only peeks at the code's kind:
whoever acts on it verifies it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from devices import Scan
from lobby_core import passes

from .listeners import Listeners, Unsubscribe
from .pass_entrance import PassEntrance

log = logging.getLogger(__name__)


class ScanRouter:
    """The scanner's callback (`handle_scan`, on the scanner's thread)."""

    def __init__(self, pass_entrance: PassEntrance) -> None:
        self.pass_entrance = pass_entrance
        self._invitations: Listeners[str] = Listeners(log, "invitation scan")

    def take_invitations(self, listener: Callable[[str], None]) -> Unsubscribe:
        """Call `listener` with the text of every invitation scanned from now on (in the
        scanner's thread) instead of refusing it at the gate; returns unsubscribe."""
        return self._invitations.subscribe(listener)

    def handle_scan(self, scan: Scan) -> None:
        if len(self._invitations) and passes.kind_of(scan.text) == passes.KIND_INVITATION:
            log.info("scan: an invitation, to the check-in screen")  # never the payload
            self._invitations.publish(scan.text)
            return
        self.pass_entrance.handle_scan(scan)
