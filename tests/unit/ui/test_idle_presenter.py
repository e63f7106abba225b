"""The idle timeout's rule: per kind of screen, restarted by a touch or a new screen."""

from __future__ import annotations

import pytest

from kiosk.ui.presenters.idle import TECHNICIAN_IDLE_S, IdleKind, IdleTimer
from tests.unit.ui.support import Clock


def test_a_form_times_out_after_its_limit_and_a_touch_restarts_it() -> None:
    clock = Clock()
    idle = IdleTimer(30, 5, clock)
    idle.arm(IdleKind.FORM)
    clock.advance(29.9)
    assert not idle.expired()
    idle.touched()
    clock.advance(29.9)
    assert not idle.expired() and idle.remaining() == pytest.approx(0.1)
    clock.advance(0.1)
    assert idle.expired()


def test_a_result_uses_the_shorter_limit() -> None:
    clock = Clock()
    idle = IdleTimer(30, 5, clock)
    idle.arm(IdleKind.RESULT)
    clock.advance(4.9)
    assert not idle.expired()
    clock.advance(0.1)
    assert idle.expired()


def test_home_never_times_out() -> None:
    clock = Clock()
    idle = IdleTimer(30, 5, clock)
    idle.arm(IdleKind.NONE)
    clock.advance(10_000)
    assert idle.remaining() is None and not idle.expired()


def test_technician_screens_have_their_own_limit() -> None:
    clock = Clock()
    idle = IdleTimer(5, 1, clock)
    idle.arm(IdleKind.TECHNICIAN)
    clock.advance(TECHNICIAN_IDLE_S - 1)
    assert not idle.expired()
    clock.advance(1)
    assert idle.expired()


def test_arming_a_new_screen_starts_its_limit_afresh() -> None:
    clock = Clock()
    idle = IdleTimer(30, 5, clock)
    idle.arm(IdleKind.FORM)
    clock.advance(20)
    idle.arm(IdleKind.RESULT)
    clock.advance(4)
    assert not idle.expired()


@pytest.mark.parametrize(("form", "result"), [(0, 5), (30, 0), (-1, 5)])
def test_limits_must_be_positive(form: float, result: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        IdleTimer(form, result)
