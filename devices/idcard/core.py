"""What every ID card reader driver shares: the callback check, delivery, health and its words.

The serial driver and the sim both hand cards to the application through `_deliver`, so a
failing callback, the log lines and the health states are the same whichever is configured.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from devices.base import IdReader
from devices.errors import DeviceConfigError
from devices.events import IdCard
from devices.health import Health

log = logging.getLogger("devices.idcard")

# Health reasons the contract tests compare across drivers.
UNPLUGGED = "ID reader unplugged"
SILENT = "ID card module not answering"
BAD_FRAMES = "bad frames from the ID card module"


class BaseIdReader(IdReader):
    where: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._on_card: Callable[[IdCard], None] | None = None
        self._state_lock = threading.Lock()
        self._health = Health.down("not started")

    def _set_health(self, health: Health) -> None:
        with self._state_lock:
            changed = health != self._health
            self._health = health
        if changed:
            log.info("%s: %s", self.where, health)

    def health(self) -> Health:
        with self._state_lock:
            return self._health

    def _check_callback(self, on_card: Callable[[IdCard], None]) -> None:
        if not callable(on_card):
            raise DeviceConfigError(f"{self.where}: on_card must be callable, not {type(on_card).__name__}")

    def _deliver(self, card: IdCard) -> None:
        """Hand one card to on_card; runs on the reader's own thread."""
        callback = self._on_card
        if callback is None:
            return
        # str(card) is masked: the log never holds a whole ID number or name.
        log.info("%s: read %s", self.where, card)
        try:
            callback(card)
        except Exception:
            # The application's bug must not stop the reader; the next card still arrives.
            log.exception("%s: on_card callback failed for %s", self.where, card)
