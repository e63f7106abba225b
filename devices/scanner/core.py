"""What every line-based QR scanner driver shares: framing bytes into Scans and handing them on.

The serial driver and the sim both push raw bytes through `_deliver`, so the sim frames, drops
noise and survives a failing callback exactly like a real scanner does (health and the callback
itself live in devices.callback_device).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import ClassVar

from devices.base import Scanner
from devices.callback_device import CallbackDevice
from devices.events import Scan
from devices.url import DeviceURL

from .framer import Line, LineFramer

log = logging.getLogger(__name__)

DEFAULT_MAX_LINE = 512


def max_line_from(url: DeviceURL) -> int:
    return url.get_int("max_line", DEFAULT_MAX_LINE, lo=16, hi=65536)


class LineScanner(CallbackDevice[Scan], Scanner):
    _log: ClassVar[logging.Logger] = log
    _callback_name: ClassVar[str] = "on_scan"

    def __init__(self, url: str, max_line: int) -> None:
        super().__init__(url)
        self._framer = LineFramer(max_line)

    def _deliver(self, data: bytes) -> None:
        """Frame bytes and hand each complete line to on_scan; runs on the scanner's thread."""
        for item in self._framer.feed(data):
            if not isinstance(item, Line):
                # Size and reason only: the dropped bytes may hold a visitor's pass.
                log.warning("%s: dropped a %d-byte line (%s)", self.where, item.size, item.reason)
                continue
            self._call_back(Scan(item.text, datetime.now(UTC)))
