"""How long a device's own loop has been stuck in one step, for the service watchdog.

A watchdog must tell a hung loop (restart the kiosk) from a device that is merely down (a
restart does not bring back an unplugged reader: health() says that). So a loop marks its
steps here, and `stalled_for()` is how long the current step has been running:

- a loop that wakes by itself at least every second or so (the PC/SC wait, a serial read with a
  timeout) calls `step()` each time round; it is never idle, and a step longer than a few
  seconds means it is stuck;
- a loop that blocks on a queue with no timeout (the sim devices) wraps each event in `busy()`:
  waiting for the next event is idle, not stuck.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class LoopWatch:
    """The current step of one loop thread. Written by that thread, read by the watchdog's: a
    float or None assignment is atomic in CPython, so no lock is needed for this one value."""

    def __init__(self) -> None:
        self._since: float | None = None  # monotonic start of the current step; None = idle

    def step(self) -> None:
        """A new step begins now (the previous one, if any, ended)."""
        self._since = time.monotonic()

    def idle(self) -> None:
        """The loop waits for work with nothing in hand (or has ended): it cannot be stuck."""
        self._since = None

    @contextmanager
    def busy(self) -> Iterator[None]:
        """One step around a block; idle again afterwards, whatever happens in it."""
        self.step()
        try:
            yield
        finally:
            self.idle()

    def stalled_for(self, now: float | None = None) -> float:
        """Seconds the current step has been running; 0.0 when idle."""
        since = self._since
        if since is None:
            return 0.0
        return max(0.0, (time.monotonic() if now is None else now) - since)
