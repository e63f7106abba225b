"""Capped exponential backoff with jitter: how long a reconnect or retry loop waits next.

"Equal jitter": the n-th wait after consecutive failures is uniform in [d/2, d] with
d = min(cap_s, base_s * 2**n). Half of it is guaranteed (no near-zero retries in a loop), half
is random (kiosks that lost central together, or devices that lost one USB hub together, do
not retry in step). reset() after a success.

Hand-written rather than tenacity/backoff: our loops wait on a stop Event so stop() returns
at once, and they only need the next delay, not a retry decorator.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, base_s: float = 0.1, cap_s: float = 2.0, rng: random.Random | None = None) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("backoff needs 0 < base_s <= cap_s")
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """The wait before the next attempt after one more failure (at most cap_s)."""
        # The exponent is bounded so a loop that has failed for days cannot overflow a float.
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 32))
        self.failures += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0
