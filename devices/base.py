"""The interfaces every driver of a kind implements (Moonraker-style components)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from .events import IdCard, Scan, Slip, Tap
from .health import Health


class Device(ABC):
    url: str

    @abstractmethod
    def health(self) -> Health: ...

    def close(self) -> None:  # noqa: B027 - optional for devices with nothing to release
        """Release the device; safe to call twice."""

    def stalled_for(self) -> float:
        """Seconds the device's own loop (or the exchange in progress) has been stuck in one
        step; 0.0 when idle, healthy, or for a device with no loop (see devices.liveness)."""
        return 0.0


class CardReader(Device):
    @abstractmethod
    def start(self, on_tap: Callable[[Tap], None]) -> None:
        """Watch for cards in a background thread; on_tap runs once per presentation."""

    @abstractmethod
    def stop(self) -> None: ...

    def close(self) -> None:
        self.stop()


class Relay(Device):
    @abstractmethod
    def pulse(self, channel: int, ms: int) -> None:
        """Close the relay for ms milliseconds; the off is guaranteed even on error.

        Raises RelayStateUnknown when the on may have reached the board (the gate may have
        opened), any other DeviceError when nothing was sent.
        """

    @abstractmethod
    def set(self, channel: int, on: bool) -> None: ...

    @abstractmethod
    def read(self, channel: int) -> bool: ...

    @abstractmethod
    def all_off(self) -> None: ...


class Printer(Device):
    @abstractmethod
    def print_slip(self, slip: Slip) -> None: ...


class Scanner(Device):
    @abstractmethod
    def start(self, on_scan: Callable[[Scan], None]) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def close(self) -> None:
        self.stop()


class IdReader(Device):
    @abstractmethod
    def start(self, on_card: Callable[[IdCard], None]) -> None:
        """Poll for ID cards in a background thread; on_card runs once per presentation."""

    @abstractmethod
    def stop(self) -> None: ...

    def close(self) -> None:
        self.stop()
