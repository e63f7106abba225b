"""Capped exponential backoff delays for reconnect loops."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    """0.1, 0.2, 0.4 ... capped at `cap` seconds; reset() after a success.

    Hand-written rather than tenacity/backoff: our loops wait on a stop Event so stop()
    returns at once, and they only need the next delay, not a retry decorator.
    """

    first: float = 0.1
    cap: float = 2.0
    _next: float = 0.0

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._next = self.first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay
