"""lobby_core.backoff: the one backoff for device reconnect loops and the sync worker."""

from __future__ import annotations

import random

import pytest

from lobby_core.backoff import Backoff


def test_waits_double_within_equal_jitter_up_to_the_cap() -> None:
    b = Backoff(0.1, 2.0, random.Random(3))
    for n in range(12):
        ceiling = min(2.0, 0.1 * 2**n)
        assert ceiling / 2 <= b.next_delay() <= ceiling
    assert b.failures == 12


def test_reset_starts_again_from_the_base() -> None:
    b = Backoff(base_s=60, cap_s=60)  # how device tests make "surely still in the backoff"
    for _ in range(3):
        assert 30 <= b.next_delay() <= 60
    b = Backoff(1.0, 300.0, random.Random(5))
    for _ in range(10):
        b.next_delay()
    b.reset()
    assert b.failures == 0 and 0.5 <= b.next_delay() <= 1.0


def test_jitter_spreads_kiosks_that_failed_together() -> None:
    waits = {round(Backoff(1.0, 300.0, random.Random(seed)).next_delay(), 6) for seed in range(20)}
    assert len(waits) > 10


def test_a_loop_failing_for_days_stays_at_the_cap() -> None:
    b = Backoff(1.0, 300.0, random.Random(0))
    for _ in range(10_000):
        assert b.next_delay() <= 300.0


@pytest.mark.parametrize(("base_s", "cap_s"), [(0, 1), (-1, 1), (2, 1)])
def test_bad_settings(base_s: float, cap_s: float) -> None:
    with pytest.raises(ValueError, match="0 < base_s <= cap_s"):
        Backoff(base_s, cap_s)
