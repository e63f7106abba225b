"""devices.liveness.LoopWatch: how long a loop's current step has run; idle is never stuck."""

from __future__ import annotations

import pytest

from devices.liveness import LoopWatch


def test_idle_until_a_step_begins() -> None:
    w = LoopWatch()
    assert w.stalled_for() == 0.0
    assert w.stalled_for(now=1e9) == 0.0


def test_a_step_grows_until_the_next_one_or_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 103.5])
    monkeypatch.setattr("devices.liveness.time.monotonic", lambda: next(clock))
    w = LoopWatch()
    w.step()  # at 100.0
    assert w.stalled_for(now=107.0) == 7.0
    w.step()  # at 103.5: a new step starts the count again
    assert w.stalled_for(now=107.0) == 3.5
    assert w.stalled_for(now=103.0) == 0.0  # never negative
    w.idle()
    assert w.stalled_for(now=200.0) == 0.0


def test_busy_is_idle_again_even_when_the_step_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devices.liveness.time.monotonic", lambda: 50.0)
    w = LoopWatch()
    with pytest.raises(RuntimeError), w.busy():
        assert w.stalled_for(now=60.0) == 10.0
        raise RuntimeError("callback bug")
    assert w.stalled_for(now=60.0) == 0.0
