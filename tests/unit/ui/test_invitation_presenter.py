"""The invitation screen's presenter: whom and until when, or why not; late answers dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.app.invitation import InvitationCheck, InvitationReason
from kiosk.ui.presenters.background import run_now
from kiosk.ui.presenters.invitation import CHECK_FAILED, CHECKING, SCAN_PROMPT, InvitationCheckIn

from .test_visitor_visit import Held

OK = InvitationCheck(True, None, "invitation.ok", {"whom": "王*二", "valid_until": "2026-06-01 18:00"},
                     7, datetime(2026, 6, 1, 10, tzinfo=UTC), whom="王*二", host="3-1201", online=True)
REFUSED = InvitationCheck(False, InvitationReason.REVOKED, "invitation.refused.revoked", {}, 7)


def test_an_accepted_invitation_says_whom_and_until_when_in_both_languages() -> None:
    p = InvitationCheckIn(lambda qr: OK, run_now)
    assert p.message.msgid == SCAN_PROMPT
    p.scanned("INV1:x")
    assert p.accepted and p.host == "3-1201" and p.qr_text == "INV1:x"
    assert "王*二" in p.message.render(str, "zh_CN") and "2026-06-01 18:00" in p.message.render(str, "en")


def test_a_refused_invitation_says_why_and_keeps_no_code() -> None:
    p = InvitationCheckIn(lambda qr: REFUSED, run_now)
    p.scanned("INV1:x")
    assert not p.accepted and p.qr_text is None
    assert p.message.render(str, "en") == "This invitation was cancelled. Please ask at reception."
    assert p.message.render(str, "zh_CN") == "此邀请已被取消。请到前台咨询。"


def test_a_failed_check_says_see_reception() -> None:
    def boom(qr: str) -> InvitationCheck:
        raise OSError("network")
    p = InvitationCheckIn(boom, run_now)
    p.scanned("INV1:x")
    assert not p.accepted and p.qr_text is None and p.message.msgid == CHECK_FAILED


def test_a_wipe_while_checking_drops_the_answer_and_a_second_scan_replaces_the_first() -> None:
    held = Held()
    p = InvitationCheckIn(lambda qr: OK if qr == "second" else REFUSED, held)
    p.scanned("first")
    assert p.checking and p.message.msgid == CHECKING
    p.scanned("second")
    held.finish()  # the first's answer arrives late
    assert p.result is None
    held.finish()
    assert p.accepted and p.qr_text == "second"
    p.scanned("third")
    p.wipe()
    held.finish()
    assert p.result is None and p.qr_text is None
