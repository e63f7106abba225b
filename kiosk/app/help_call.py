"""The touchscreen's help button: ask reception to come to this kiosk (central shows the call
live on the console) and say what happened, in one of three outcomes a screen can show.

Threads: `call()` talks to central (a few seconds at worst), so the UI runs it on a worker
thread, never the UI thread. It never raises for anything central or the network does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from backend_client import errors, wire

log = logging.getLogger(__name__)


class HelpOutcome(StrEnum):
    SENT = "sent"  # reception has the call (or had it already: repeats are one call)
    UNREACHABLE = "unreachable"  # central did not answer: send the visitor to the desk
    NOT_ENROLLED = "not_enrolled"  # this kiosk has no valid token: nobody would see a call


# Raises NotAuthorised when the kiosk is not enrolled (or its token was revoked), another
# CentralError when central cannot be reached or refuses.
Send = Callable[[], wire.HelpCallAck]


class HelpCall:
    def __init__(self, send: Send) -> None:
        self._send = send

    def call(self) -> HelpOutcome:
        try:
            ack = self._send()
        except errors.NotAuthorised:
            log.warning("help call: this kiosk is not enrolled with central (or its token was "
                        "revoked); nobody sees the call")
            return HelpOutcome.NOT_ENROLLED
        except errors.CentralError as exc:
            log.warning("help call: central did not take the call (%s: %s)", exc.kind, exc)
            return HelpOutcome.UNREACHABLE
        log.info("help call: reception has call %d (%s)", ack.call_id,
                 "new" if ack.created else "repeated press")
        return HelpOutcome.SENT
