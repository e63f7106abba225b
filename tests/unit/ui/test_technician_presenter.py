"""The technician PIN: digits only, never kept, checked off the UI thread, locked after
repeated failures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.ui.presenters.technician import (
    LOCKOUT_S,
    MAX_DIGITS,
    MAX_FAILURES,
    PinState,
    TechnicianPinPresenter,
)
from tests.unit.ui.support import Clock, tr


class Access:
    def __init__(self, pin: str = "2468") -> None:
        self.pin = pin

    def verify(self, pin: str) -> str | None:
        return "Tech" if pin == self.pin else None


def enter(p: TechnicianPinPresenter, digits: str) -> None:
    for d in digits:
        p.press(d)


def test_a_right_pin_enters_and_is_forgotten() -> None:
    p = TechnicianPinPresenter(Access())
    enter(p, "246")
    assert p.submit() is None  # too short
    enter(p, "8")
    assert p.view(tr("en")).dots == "●●●●"
    check = p.submit()
    assert check is not None and p.digits == "" and p.state is PinState.CHECKING
    assert p.view(tr("en")).keys_enabled is False
    assert p.checked(check()) is True


def test_wrong_pins_lock_the_pad_for_a_while() -> None:
    clock = Clock()
    p = TechnicianPinPresenter(Access(), clock)
    for i in range(MAX_FAILURES):
        enter(p, "1111")
        check = p.submit()
        assert check is not None
        assert p.checked(check()) is False
        assert p.state is (PinState.LOCKED if i == MAX_FAILURES - 1 else PinState.WRONG)
    enter(p, "2468")
    assert p.digits == "" and p.submit() is None
    assert p.view(tr("en")).message == "Too many wrong PINs. Try again in a few minutes."
    p.wipe()  # an idle reset does not lift the lock
    assert p.locked()
    clock.advance(LOCKOUT_S)
    enter(p, "2468")
    check = p.submit()
    assert check is not None and p.checked(check()) is True


def test_a_right_pin_resets_the_failure_count() -> None:
    p = TechnicianPinPresenter(Access())
    for _ in range(MAX_FAILURES - 1):
        enter(p, "0000")
        p.checked(p.submit()())  # type: ignore[misc]
    enter(p, "2468")
    assert p.checked(p.submit()())  # type: ignore[misc]
    enter(p, "0000")
    p.checked(p.submit()())  # type: ignore[misc]
    assert p.state is PinState.WRONG


def test_without_technician_access_nothing_can_be_entered() -> None:
    p = TechnicianPinPresenter(None)
    enter(p, "1234")
    assert p.digits == "" and p.submit() is None
    assert p.view(tr("zh_CN")).message == "本机未开通维护人员入口。"


def test_a_failed_check_says_so() -> None:
    p = TechnicianPinPresenter(Access())
    enter(p, "1234")
    p.submit()
    p.check_failed(TimeoutError())
    assert p.view(tr("en")).message == "The PIN could not be checked. Try again."


@given(st.lists(st.text(max_size=3), max_size=30))
def test_only_ascii_digits_are_taken_and_never_more_than_the_maximum(keys: list[str]) -> None:
    p = TechnicianPinPresenter(Access())
    for k in keys:
        p.press(k)
    assert len(p.digits) <= MAX_DIGITS
    assert all(c in "0123456789" for c in p.digits)
