"""What every line-based QR scanner driver shares: framing bytes into Scans, calling back, health.

The serial driver and the sim both push raw bytes through `_deliver`, so the sim frames, drops
noise and survives a failing callback exactly like a real scanner does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from devices.base import Scanner
from devices.errors import DeviceConfigError
from devices.events import Scan
from devices.health import Health
from devices.url import DeviceURL

from .framer import Line, LineFramer

log = logging.getLogger(__name__)

DEFAULT_MAX_LINE = 512


def max_line_from(url: DeviceURL) -> int:
    return url.get_int("max_line", DEFAULT_MAX_LINE, lo=16, hi=65536)


class LineScanner(Scanner):
    where: str

    def __init__(self, url: str, max_line: int) -> None:
        self.url = url
        self._framer = LineFramer(max_line)
        self._on_scan: Callable[[Scan], None] | None = None
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

    def _check_callback(self, on_scan: Callable[[Scan], None]) -> None:
        if not callable(on_scan):
            raise DeviceConfigError(f"{self.where}: on_scan must be callable, not {type(on_scan).__name__}")

    def _deliver(self, data: bytes) -> None:
        """Frame bytes and hand each complete line to on_scan; runs on the scanner's thread."""
        for item in self._framer.feed(data):
            if not isinstance(item, Line):
                # Size and reason only: the dropped bytes may hold a visitor's pass.
                log.warning("%s: dropped a %d-byte line (%s)", self.where, item.size, item.reason)
                continue
            callback = self._on_scan
            if callback is None:
                continue
            try:
                callback(Scan(item.text, datetime.now(UTC)))
            except Exception:
                # The application's bug must not stop the scanner; the next scan still arrives.
                log.exception("%s: on_scan callback failed", self.where)
