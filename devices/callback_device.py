"""What every device that calls the application back shares: health under a lock, the callback.

A scanner and an ID card reader (serial or sim) hand their events to one callback on their own
thread. The health they report changes on that thread and is read from others, so it lives
under a lock, and each change is logged once, on the driver's own logger.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from .errors import DeviceConfigError
from .health import Health

E = TypeVar("E")


class CallbackDevice(Generic[E]):
    where: str  # how the device names itself in log lines and errors
    _log: ClassVar[logging.Logger]  # the driver family's logger (tests listen on it)
    _callback_name: ClassVar[str]  # "on_scan", "on_card": the name the application knows

    def __init__(self, url: str) -> None:
        self.url = url
        self._callback: Callable[[E], None] | None = None
        self._state_lock = threading.Lock()
        self._health = Health.down("not started")

    def _set_health(self, health: Health) -> None:
        with self._state_lock:
            changed = health != self._health
            self._health = health
        if changed:
            self._log.info("%s: %s", self.where, health)

    def health(self) -> Health:
        with self._state_lock:
            return self._health

    def _check_callback(self, callback: Callable[[E], None]) -> None:
        if not callable(callback):
            raise DeviceConfigError(
                f"{self.where}: {self._callback_name} must be callable, not {type(callback).__name__}"
            )

    def _call_back(self, event: E, about: str = "") -> None:
        """Hand one event to the callback, if one is set; `about` ends the failure's log line."""
        callback = self._callback
        if callback is None:
            return
        try:
            callback(event)
        except Exception:
            # The application's bug must not stop the device; the next event still arrives.
            self._log.exception("%s: %s callback failed%s", self.where, self._callback_name, about)
