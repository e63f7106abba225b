"""The printer for kiosks without one (`printer = "none"`): every slip is refused.

The caller then shows the slip on screen, exactly as when a real printer fails.
"""

from __future__ import annotations

from devices.base import Printer
from devices.errors import DeviceNotFound
from devices.events import Slip
from devices.health import Health
from devices.url import DeviceURL


class NonePrinter(Printer):
    def __init__(self, url: str = "none") -> None:
        self.url = url

    def print_slip(self, slip: Slip) -> None:
        raise DeviceNotFound("no printer configured")

    def health(self) -> Health:
        return Health.down("not configured")


def open_device(url: DeviceURL) -> NonePrinter:
    return NonePrinter(url.raw)
