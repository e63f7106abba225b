"""A thread-safe tap recorder for card-reader tests."""

from __future__ import annotations

import threading

from devices import Tap
from tests.fixtures.pcsc import wait_until


class Taps:
    """Collects taps from a reader's callback thread; waits for them with a bound."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taps: list[Tap] = []

    def __call__(self, tap: Tap) -> None:
        with self._lock:
            self._taps.append(tap)

    @property
    def all(self) -> list[Tap]:
        with self._lock:
            return list(self._taps)

    @property
    def uids(self) -> list[str]:
        return [t.uid for t in self.all]

    def wait_count(self, n: int, timeout: float = 5.0) -> list[Tap]:
        wait_until(lambda: len(self.all) >= n, timeout, f"{n} tap(s), have {len(self.all)}")
        return self.all
