"""One visitor across the screens: which screen each phase shows, where a read ID card is
taken, the idle/cancel wipe, and every refusal key of the form rules has a text."""

from __future__ import annotations

from datetime import date

from kiosk.app import visitor_desk as vd
from kiosk.app import visitor_form as vf
from kiosk.app.invitation import InvitationCheck, InvitationReason
from kiosk.app.visitor_desk import VisitorResult
from kiosk.app.visitor_form import FormError
from kiosk.store import HostEntry
from kiosk.ui.presenters.background import run_now
from kiosk.ui.presenters.texts import FIELD_ERRORS
from kiosk.ui.presenters.visitor_session import (
    HOME,
    INVITATION,
    PIN,
    REFUSED,
    SLIP,
    STEPS,
    WAIT,
    VisitorSession,
)
from kiosk.ui.presenters.visitor_steps import INVITED_STEPS, Step
from kiosk.ui.presenters.visitor_visit import Phase
from lobby_core import id_documents as ids

from .test_visitor_steps import RIC, card
from .test_visitor_visit import FakeDesk, Held

OK = InvitationCheck(True, None, "invitation.ok.guest", {"valid_until": "2026-06-01 18:00"}, 7,
                     host="3-1201")


class Shell:
    def __init__(self, desk: FakeDesk, wait: Held | None = None) -> None:
        self.screen = HOME
        self.went: list[str] = []
        desk.check_invitation = lambda qr: OK if qr.startswith("INV") else InvitationCheck(  # type: ignore[method-assign]
            False, InvitationReason.GARBAGE, "invitation.refused.garbage")
        self.session = VisitorSession(desk, run_now, notice_version="1", today=lambda: date(2026, 6, 1),
                                      navigate=self.go, current=lambda: self.screen,
                                      gettext=lambda s: s, wait=wait)

    def go(self, name: str) -> None:
        self.screen = name
        self.went.append(name)


def ready(shell: Shell) -> None:
    s = shell.session.steps
    s.set_id_number(RIC)
    s.set_name("王小二")
    s.set_mobile("13800138000")
    s.hosts.type("31")
    s.hosts.answer("31", [HostEntry(1, "unit", "3-1201", "")])
    s.choose_host(0)
    s.set_purpose("visit")
    s.set_consent(True)
    s.step = Step.PRIVACY


def test_each_phase_shows_its_screen_in_order() -> None:
    shell = Shell(FakeDesk())
    shell.screen = STEPS
    ready(shell)
    shell.session.submit()
    assert shell.went == [WAIT, SLIP]


def test_refused_and_pin_screens() -> None:
    desk = FakeDesk()
    desk.decision = VisitorResult("c-1", vd.CENTRAL_UNREACHABLE, "down")
    shell = Shell(desk)
    shell.screen = STEPS
    ready(shell)
    shell.session.submit()
    assert shell.screen == REFUSED
    shell.session.visit.start_pin()
    assert shell.screen == PIN
    shell.session.visit.leave_pin()
    assert shell.screen == REFUSED


def test_a_form_refused_by_the_desk_returns_to_the_steps_at_the_field() -> None:
    desk = FakeDesk()
    desk.register_error = FormError("mobile", ids.MOBILE_BAD_PREFIX, "x")
    shell = Shell(desk)
    shell.screen = STEPS
    ready(shell)
    shell.session.submit()
    assert shell.went == [WAIT, STEPS]
    assert shell.session.steps.step is Step.MOBILE and shell.session.steps.error_field == "mobile"
    assert shell.session.visit.phase is Phase.IDLE


def test_an_id_card_on_home_starts_a_registration_and_fills_it() -> None:
    shell = Shell(FakeDesk())
    shell.session.card_read(card())
    assert shell.went == [STEPS] and shell.session.steps.from_card
    assert shell.session.steps.id_number == RIC


def test_an_id_card_elsewhere_is_ignored() -> None:
    shell = Shell(FakeDesk())
    for screen in ("member_result", "diagnostics", WAIT, SLIP, PIN):
        shell.screen = screen
        shell.session.card_read(card())
        assert not shell.session.steps.from_card and shell.went == []


def test_an_invitation_then_its_id_steps() -> None:
    shell = Shell(FakeDesk())
    shell.screen = INVITATION
    shell.session.card_read(card())  # before any invitation was scanned: ignored
    assert not shell.session.steps.from_card
    shell.session.invitation.scanned("garbage")
    shell.session.start_invited()  # refused: stays
    assert shell.went == []
    shell.session.invitation.scanned("INV1:abc")
    shell.session.card_read(card())  # a card on an accepted invitation goes on with it
    assert shell.screen == STEPS and shell.session.steps.steps == INVITED_STEPS
    assert shell.session.steps.invitation == "INV1:abc" and shell.session.steps.from_card
    assert shell.session.steps.invited_host == "3-1201"


def test_wipe_forgets_the_visitor_the_visit_and_the_invitation() -> None:
    held = Held()
    shell = Shell(FakeDesk(), wait=held)
    shell.screen = STEPS
    ready(shell)
    shell.session.submit()
    shell.session.invitation.scanned("INV1:abc")
    old = shell.session.steps.client_id
    redrawn: list[int] = []
    shell.session.redraw.append(lambda: redrawn.append(1))
    shell.session.wipe()
    s = shell.session.steps
    assert (s.id_number, s.name, s.mobile, s.hosts.query, s.hosts.chosen, s.purpose_key, s.consent) == (
        "", "", "", "", None, "", False)
    assert s.client_id != old and shell.session.visit.ticket is None
    assert shell.session.invitation.qr_text is None and redrawn
    held.finish()  # reception answers the wiped visit: nothing moves
    assert shell.session.visit.phase is Phase.IDLE and shell.screen == WAIT


def test_every_refusal_key_of_the_form_rules_has_a_text() -> None:
    keys = set(ids.MESSAGE_KEYS) | {"text.empty", "text.too_long", "text.bad_characters", "text.not_text"} | {
        vf.RESIDENT_ID_AS_FREE_FORM, vf.PARTY_SIZE_RANGE, vf.PRIVACY_NOT_ACCEPTED, vf.INVITATION_INVALID}
    assert keys <= FIELD_ERRORS.keys()
