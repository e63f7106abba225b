"""The ID reader for kiosks without one (`id_reader = "none"`): it never reads a card."""

from __future__ import annotations

from devices.base import IdReader
from devices.none import UnconfiguredSource
from devices.url import DeviceURL


class NoneIdReader(UnconfiguredSource, IdReader):
    pass


def open_device(url: DeviceURL) -> NoneIdReader:
    return NoneIdReader(url.raw)
