"""The ID reader for kiosks without one (`id_reader = "none"`): it never reads a card."""

from __future__ import annotations

from collections.abc import Callable

from devices.base import IdReader
from devices.events import IdCard
from devices.health import Health
from devices.url import DeviceURL


class NoneIdReader(IdReader):
    def __init__(self, url: str = "none") -> None:
        self.url = url

    def start(self, on_card: Callable[[IdCard], None]) -> None:
        """Accepted so the kiosk starts the same way with or without an ID reader."""

    def stop(self) -> None:
        pass

    def health(self) -> Health:
        return Health.down("not configured")


def open_device(url: DeviceURL) -> NoneIdReader:
    return NoneIdReader(url.raw)
