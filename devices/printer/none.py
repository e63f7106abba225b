"""The printer for kiosks without one (`printer = "none"`): every slip is refused.

The caller then shows the slip on screen, exactly as when a real printer fails.
"""

from __future__ import annotations

from devices.base import Printer
from devices.errors import DeviceNotFound
from devices.events import Slip
from devices.none import Unconfigured
from devices.url import DeviceURL


class NonePrinter(Unconfigured, Printer):
    def print_slip(self, slip: Slip) -> None:
        raise DeviceNotFound("no printer configured")


def open_device(url: DeviceURL) -> NonePrinter:
    return NonePrinter(url.raw)
