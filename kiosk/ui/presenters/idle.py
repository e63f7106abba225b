"""Idle timeout: a screen with something entered or shown goes back Home when nobody touches it.

Forms wait longer (a visitor may be reading or looking for their ID card) than results (the
next member is already queueing). Home is never timed out. The technician's screens get a
fixed, longer limit (a technician watches live states without touching), but never stay open.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

TECHNICIAN_IDLE_S = 120.0


class IdleKind(StrEnum):
    NONE = "none"  # Home: nothing to wipe
    FORM = "form"  # something being entered
    RESULT = "result"  # a result on show
    TECHNICIAN = "technician"  # PIN and diagnostics: never left open in the lobby for long


class IdleTimer:
    def __init__(self, form_s: float, result_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if form_s <= 0 or result_s <= 0:
            raise ValueError("idle timeouts must be positive")
        self.limits = {IdleKind.FORM: float(form_s), IdleKind.RESULT: float(result_s),
                       IdleKind.TECHNICIAN: TECHNICIAN_IDLE_S}
        self._clock = clock
        self.kind = IdleKind.NONE
        self._last = clock()

    def arm(self, kind: IdleKind) -> None:
        """A screen was shown: its kind of timeout starts now."""
        self.kind = kind
        self._last = self._clock()

    def touched(self) -> None:
        self._last = self._clock()

    def remaining(self) -> float | None:
        """Seconds left before Home, or None when this screen never times out."""
        limit = self.limits.get(self.kind)
        if limit is None:
            return None
        return max(0.0, limit - (self._clock() - self._last))

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0
