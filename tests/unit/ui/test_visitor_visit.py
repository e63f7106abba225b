"""After the steps: register -> wait (timer, cancel) -> print -> slip; refused and timed out
(see reception, never why); central unreachable -> PIN approval; late answers dropped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from devices import Slip
from kiosk.app import visitor_desk as vd
from kiosk.app.errors import PinLocked, PinUnavailable, PinWrong
from kiosk.app.visitor_desk import VisitorForm, VisitorResult, VisitorTicket
from kiosk.app.visitor_form import FormError
from kiosk.ui.presenters.background import run_now
from kiosk.ui.presenters.visitor_visit import (
    ERROR_TEXT,
    PIN_TEXTS,
    PRINT_FAILED_TEXT,
    PRINTED_TEXT,
    REFUSED_TEXTS,
    UNREACHABLE_TEXT,
    Phase,
    VisitorVisit,
)

FORM = VisitorForm(id_type="cn_ric", id_number="11010519491231002X", name="王小二", mobile="13800138000",
                   host="3-1201", purpose="visit", privacy_notice_version="1", client_id="c-1")
SLIP = Slip(title="Lobby", lines=("访客单",), qr="P1:pass", footer="")


class Pins:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def receptionists(self) -> list[str]:
        return list(self.names)


class FakeDesk:
    """Stands in for VisitorDesk: the presenter's logic only (the Kivy tests use the real one)."""

    def __init__(self) -> None:
        self.pin_approval: Any = Pins(["Li Na", "Wang Fang"])
        self.ticket = VisitorTicket("c-1", datetime(2026, 6, 1, tzinfo=UTC))
        self.register_error: BaseException | None = None
        self.decision = VisitorResult("c-1", vd.APPROVED, pass_text="P1:pass")
        self.print_state = vd.PRINTED
        self.pin_error: BaseException | None = None
        self.pins: list[tuple[str, str]] = []
        self.calls: list[str] = []

    def register(self, form: VisitorForm) -> VisitorTicket:
        self.calls.append("register")
        if self.register_error:
            raise self.register_error
        return self.ticket

    def await_approval(self, ticket: VisitorTicket, timeout_s: float | None = None) -> VisitorResult:
        self.calls.append(f"wait {timeout_s}")
        return self.decision

    def approve_with_pin(self, ticket: VisitorTicket, receptionist: str, pin: str) -> VisitorResult:
        self.pins.append((receptionist, pin))
        if self.pin_error:
            raise self.pin_error
        return VisitorResult(ticket.ref, vd.APPROVED, pass_text="K1:pass")

    def print_slip(self, ticket: VisitorTicket) -> VisitorResult:
        self.calls.append("print")
        return VisitorResult(ticket.ref, self.print_state, slip=SLIP)

    def search_hosts(self, text: str) -> list[Any]:
        return []

    def check_invitation(self, qr_text: str) -> Any:
        raise AssertionError


class Held:
    """A Background that keeps the work until the test lets it finish (a slow worker)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]]] = []

    def __call__(self, work: Callable[[], Any], done: Callable[[Any], None],
                 failed: Callable[[BaseException], None]) -> None:
        self.jobs.append((work, done, failed))

    def finish(self) -> None:
        work, done, failed = self.jobs.pop(0)
        run_now(work, done, failed)


def visit(desk: FakeDesk, **kw: Any) -> VisitorVisit:
    return VisitorVisit(desk, run_now, approval_wait_s=120, **kw)


def test_approved_then_printed_shows_the_slip() -> None:
    desk = FakeDesk()
    changes: list[Phase] = []
    v = visit(desk)
    v.on_change = lambda: changes.append(v.phase)
    v.submit(FORM)
    assert desk.calls == ["register", "wait 120", "print"]
    assert v.phase is Phase.SLIP and v.printed and v.qr_text == "P1:pass"
    assert v.message is not None and v.message.msgid == PRINTED_TEXT
    assert changes[0] is Phase.SUBMITTING and changes[-1] is Phase.SLIP


def test_print_failure_still_shows_the_slip_and_says_so() -> None:
    desk = FakeDesk()
    desk.print_state = vd.PRINT_FAILED
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.SLIP and not v.printed and v.qr_text == "P1:pass"
    assert v.message.msgid == PRINT_FAILED_TEXT  # type: ignore[union-attr]


@pytest.mark.parametrize(("state", "pin"),
                         [(vd.DENIED, False), (vd.TIMED_OUT, True), (vd.SEE_RECEPTION, False)])
def test_refused_and_timed_out_say_see_reception_never_why(state: str, pin: bool) -> None:
    desk = FakeDesk()
    desk.decision = VisitorResult("c-1", state, reason="on the blocklist")
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.REFUSED and v.message.msgid == REFUSED_TEXTS[state]  # type: ignore[union-attr]
    assert "blocklist" not in str(v.message)
    assert v.pin_can_help is pin and "print" not in desk.calls


def test_a_blocklisted_ticket_goes_to_see_reception_without_waiting() -> None:
    desk = FakeDesk()
    desk.ticket = VisitorTicket("c-1", datetime(2026, 6, 1, tzinfo=UTC), see_reception=True)
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.REFUSED and desk.calls == ["register"]
    assert v.message.msgid == REFUSED_TEXTS[vd.SEE_RECEPTION]  # type: ignore[union-attr]


def test_a_form_refused_by_the_desk_goes_back_to_the_steps_and_a_crash_to_see_reception() -> None:
    desk = FakeDesk()
    desk.register_error = FormError("mobile", "mobile.bad_prefix", "x")
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.FORM_REFUSED and v.form_error is desk.register_error
    desk.register_error = RuntimeError("disk full")
    v.submit(FORM)
    assert v.phase is Phase.REFUSED and v.message.msgid == ERROR_TEXT  # type: ignore[union-attr]


def test_a_refused_invitation_says_its_own_reason_when_it_needs_no_date() -> None:
    desk = FakeDesk()
    desk.register_error = FormError("invitation", "invitation.refused.used_up", "x")
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.REFUSED and v.message.domain  # type: ignore[union-attr]
    assert "already been used" in v.message.render(str, "en")  # type: ignore[union-attr]
    desk.register_error = FormError("invitation", "invitation.refused.expired", "x")  # needs a date
    v.submit(FORM)
    assert v.message.msgid == REFUSED_TEXTS[vd.SEE_RECEPTION]  # type: ignore[union-attr]


def test_the_timer_counts_down_from_the_wait_and_stops_at_zero() -> None:
    now = [1000.0]
    held = Held()
    v = VisitorVisit(FakeDesk(), run_now, wait=held, approval_wait_s=120, clock=lambda: now[0])
    assert v.timer_text() == "0:00"
    v.submit(FORM)
    assert v.phase is Phase.WAITING and v.timer_text() == "2:00"
    now[0] += 0.5
    assert v.remaining_s() == 120  # a part second left still shows
    now[0] += 55
    assert v.timer_text() == "1:05"
    now[0] += 500
    assert v.remaining_s() == 0


def test_cancel_while_waiting_drops_the_late_answer() -> None:
    held = Held()
    desk = FakeDesk()
    v = VisitorVisit(desk, run_now, wait=held)
    v.submit(FORM)
    assert v.phase is Phase.WAITING
    v.reset()
    held.finish()  # reception approves after the visitor walked away
    assert v.phase is Phase.IDLE and v.ticket is None and "print" not in desk.calls


def test_an_answer_for_another_registration_is_ignored() -> None:
    desk = FakeDesk()
    desk.decision = VisitorResult("someone-else", vd.APPROVED, pass_text="P1:x")
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.WAITING and "print" not in desk.calls


def test_a_double_tap_on_submit_registers_once() -> None:
    held = Held()
    desk = FakeDesk()
    v = VisitorVisit(desk, held)
    v.submit(FORM)
    v.submit(FORM)
    assert len(held.jobs) == 1


def unreachable(desk: FakeDesk) -> VisitorVisit:
    desk.decision = VisitorResult("c-1", vd.CENTRAL_UNREACHABLE, "connection refused")
    v = visit(desk)
    v.submit(FORM)
    assert v.phase is Phase.UNREACHABLE and v.pin_can_help
    assert v.message.msgid == UNREACHABLE_TEXT  # type: ignore[union-attr]
    return v


def test_pin_approval_approves_then_prints() -> None:
    desk = FakeDesk()
    v = unreachable(desk)
    v.start_pin()
    assert v.phase is Phase.PIN and v.receptionists == ["Li Na", "Wang Fang"]
    v.set_pin("12a34")
    v.submit_pin()  # nobody chosen yet
    assert desk.pins == [] and v.pin_message.msgid == PIN_TEXTS["choose"]  # type: ignore[union-attr]
    v.choose_receptionist("Mallory")  # not on the list: ignored
    assert v.receptionist == ""
    v.choose_receptionist("Li Na")
    assert v.pin == "1234" and v.pin_dots == "●●●●"
    v.submit_pin()
    assert desk.pins == [("Li Na", "1234")] and v.pin == ""
    assert v.phase is Phase.SLIP


@pytest.mark.parametrize(("error", "key", "shown"), [
    (PinWrong(3), "wrong", "3"),
    (PinLocked(datetime(2026, 6, 1, 12, 15, tzinfo=UTC)), "locked", "12:15"),
    (PinUnavailable("reception decided"), "unavailable", None),
])
def test_pin_refusals_say_what_happened_and_stay_on_the_pin_screen(error: Exception, key: str,
                                                                  shown: str | None) -> None:
    desk = FakeDesk()
    desk.pin_error = error
    v = unreachable(desk)
    v.local_time = lambda t: t.strftime("%H:%M")
    v.start_pin()
    v.choose_receptionist("Wang Fang")
    v.set_pin("0000")
    v.submit_pin()
    assert v.phase is Phase.PIN and v.pin == ""
    assert v.pin_message is not None and v.pin_message.msgid == PIN_TEXTS[key]
    if shown:
        assert shown in v.pin_message.render(str)
    v.set_pin("")
    v.submit_pin()
    assert v.pin_message.msgid == PIN_TEXTS["empty"] and len(desk.pins) == 1  # type: ignore[union-attr]
    v.leave_pin()
    assert v.phase is Phase.UNREACHABLE


def test_no_pin_approval_on_this_kiosk_offers_none() -> None:
    desk = FakeDesk()
    desk.pin_approval = None
    desk.decision = VisitorResult("c-1", vd.CENTRAL_UNREACHABLE, "x")
    v = visit(desk)
    v.submit(FORM)
    assert not v.pin_can_help
    v.start_pin()
    assert v.phase is Phase.UNREACHABLE


def test_no_receptionist_pins_synced_says_unavailable() -> None:
    desk = FakeDesk()
    desk.pin_approval = Pins([])
    v = unreachable(desk)
    v.start_pin()
    assert v.pin_message.msgid == PIN_TEXTS["unavailable"]  # type: ignore[union-attr]


def test_reset_wipes_the_visit() -> None:
    desk = FakeDesk()
    v = unreachable(desk)
    v.start_pin()
    v.choose_receptionist("Li Na")
    v.set_pin("99")
    v.reset()
    assert (v.phase, v.ticket, v.slip, v.pin, v.receptionist, v.receptionists, v.message) == (
        Phase.IDLE, None, None, "", "", [], None)
