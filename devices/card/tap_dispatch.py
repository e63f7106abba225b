"""Hand a Tap to the application's callback, the same way for every card-reader driver."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from lobby_core.masking import mask_uid

from ..events import Tap


def make_tap(uid: str, atr: str, reader: str, at: datetime | None = None) -> Tap:
    return Tap(uid=uid, atr=atr, reader=reader, at=at or datetime.now(UTC))


def deliver(on_tap: Callable[[Tap], None], tap: Tap, log: logging.Logger) -> bool:
    """Call on_tap; a failing callback is logged and never reaches the reader loop."""
    try:
        on_tap(tap)
    except Exception:
        # The traceback is the application's; we add only the masked UID.
        log.exception("tap handler failed for card %s", mask_uid(tap.uid))
        return False
    # Logged after the callback: the tap's latency is the turnstile's.
    log.debug("card tap %s on %s", mask_uid(tap.uid), tap.reader)
    return True
