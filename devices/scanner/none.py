"""The scanner for kiosks without one (`qr_scanner = "none"`): it never delivers a scan."""

from __future__ import annotations

from devices.base import Scanner
from devices.none import UnconfiguredSource
from devices.url import DeviceURL


class NoneScanner(UnconfiguredSource, Scanner):
    pass


def open_device(url: DeviceURL) -> NoneScanner:
    return NoneScanner(url.raw)
