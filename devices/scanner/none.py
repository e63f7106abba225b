"""The scanner for kiosks without one (`qr_scanner = "none"`): it never delivers a scan."""

from __future__ import annotations

from collections.abc import Callable

from devices.base import Scanner
from devices.events import Scan
from devices.health import Health
from devices.url import DeviceURL


class NoneScanner(Scanner):
    def __init__(self, url: str = "none") -> None:
        self.url = url

    def start(self, on_scan: Callable[[Scan], None]) -> None:
        """Accepted so the kiosk can start the same way with or without a scanner."""

    def stop(self) -> None:
        pass

    def health(self) -> Health:
        return Health.down("not configured")


def open_device(url: DeviceURL) -> NoneScanner:
    return NoneScanner(url.raw)
