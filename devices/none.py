"""The devices a kiosk has when its configuration says "none": there, never ready, never failing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .health import Health


class Unconfigured:
    """Health down "not configured", whatever is asked."""

    def __init__(self, url: str = "none") -> None:
        self.url = url

    def health(self) -> Health:
        return Health.down("not configured")


class UnconfiguredSource(Unconfigured):
    """A scanner or reader that is not there: start() is accepted and nothing ever arrives."""

    def start(self, callback: Callable[[Any], None]) -> None:
        """Accepted so the kiosk starts the same way with or without the device."""

    def stop(self) -> None:
        pass
