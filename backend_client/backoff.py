"""Exponential backoff with jitter, so a lobby full of kiosks does not hammer central in step.

"Equal jitter": the n-th wait is uniform in [d/2, d] with d = min(cap, base * 2**n). Half of
it is guaranteed (no near-zero retries in a loop), half is random (kiosks that failed together
spread out).
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, base_s: float = 1.0, cap_s: float = 300.0,
                 rng: random.Random | None = None) -> None:
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("backoff needs 0 < base_s <= cap_s")
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """The wait before the next attempt after one more failure."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 32))
        self.failures += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0
