"""What the member result screen says: every refusal in both languages, the granted details,
the taps that need staff, and the sound for each."""

from __future__ import annotations

import pytest

from kiosk.domain import messages
from kiosk.domain.model import Reason
from kiosk.store import PulseState
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.presenters.member_result import Sound, present
from tests.unit.ui.support import result, tr

# What decide() puts in detail for each reason (the base parameters its text needs).
DETAIL = {
    Reason.NOT_YET_VALID: {"valid_from": "2026-07-01"},
    Reason.EXPIRED: {"valid_until": "2024-12-31"},
    Reason.ANTI_PASSBACK: {"retry_at": "10:02"},
    Reason.FACILITY_FULL: {"capacity": "40"},
    Reason.OUTSIDE_HOURS: {"next_open_date": "2026-06-02", "next_open_time": "06:00"},
    Reason.FROZEN: {"frozen_until": "2026-08-01"},
}


@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_refusal_reason_is_told_in_both_languages(reason: Reason, lang: str) -> None:
    r = result(False, messages.denied_key(reason), reason=reason.value, detail=DETAIL.get(reason, {}))
    view = present(r, tr(lang), lang)
    assert not view.granted and view.sound is Sound.REFUSED
    assert view.message == messages.render(r.message_key, r.detail, lang)
    assert "{" not in view.message and view.message.strip()
    assert view.name == view.visits_left == view.locker == ""  # nothing about the member
    other = [x for x in LANGUAGES if x != lang][0]
    assert view.message != present(r, tr(other), other).message
    assert view.title == {"zh_CN": "无法入场", "en": "Entry refused"}[lang]


def test_refusal_texts_say_what_to_do_next() -> None:
    expired = result(False, "access.denied.expired", reason="expired", detail=DETAIL[Reason.EXPIRED])
    assert present(expired, tr("en"), "en").message == \
        "Your membership expired on 2024-12-31. Please renew at reception."
    assert present(expired, tr("zh_CN"), "zh_CN").message == \
        "您的会员资格已于 2024-12-31 到期。请到前台续费。"
    hours = result(False, "access.denied.outside_hours", reason="outside_hours",
                   detail=DETAIL[Reason.OUTSIDE_HOURS])
    assert present(hours, tr("en"), "en").message.endswith("It opens at 06:00 on 2026-06-02.")


def test_granted_shows_masked_name_visits_and_locker() -> None:
    view = present(result(True, "access.granted", visits=4, locker="A03",
                          detail={"name": "张*明", "visits_left": "4"}), tr("zh_CN"), "zh_CN")
    assert view.granted and view.sound is Sound.GRANTED
    assert (view.title, view.name, view.visits_left, view.locker) == \
        ("欢迎光临！", "张*明", "剩余次数：4 次", "您的储物柜：A03")
    assert view.message == ""  # the welcome is the title, not repeated
    assert view.staff_note == ""


def test_unlimited_members_see_no_visit_count_and_english_is_complete() -> None:
    view = present(result(True, "access.granted", visits=None), tr("en"), "en")
    assert (view.title, view.message, view.visits_left) == ("Welcome!", "", "")
    view = present(result(True, "access.granted", visits=0), tr("en"), "en")
    assert view.visits_left == "Visits left: 0"


def test_no_free_locker_is_said() -> None:
    view = present(result(True, "access.granted", detail={"locker": "none_free"}), tr("en"), "en")
    assert view.locker == "No locker is free right now; please ask at reception."


def test_a_gate_that_failed_is_not_a_welcome() -> None:
    r = result(True, "access.granted", visits=5, see_staff=True, pulse=PulseState.FAILED)
    view = present(r, tr("en"), "en")
    assert not view.granted and view.sound is Sound.REFUSED
    assert view.message == "The gate did not open, and no visit was used. Please ask at reception."
    assert view.visits_left == "" and view.name == ""


def test_an_unconfirmed_gate_welcomes_but_sends_to_staff() -> None:
    r = result(True, "access.granted", see_staff=True, pulse=PulseState.UNCONFIRMED,
               locker="A01", detail={"locker_failed": "true"})
    view = present(r, tr("en"), "en")
    assert view.granted
    assert view.staff_note == ("The gate may not have opened. Please ask at reception. "
                               "Your locker did not open. Staff will open it for you.")


@pytest.mark.parametrize(("key", "granted", "en"), [
    ("exit.granted", True, "Goodbye! Please go through."),
    ("exit.denied.unknown_card", False, "This card is not recognised. Please ask at reception to leave."),
    ("access.error", False, "Sorry, your card could not be checked just now. Please ask at reception."),
])
def test_the_entrance_own_outcomes(key: str, granted: bool, en: str) -> None:
    r = result(granted, key, direction="exit" if key.startswith("exit") else "entry",
               see_staff=key == "access.error", pulse=PulseState.CONFIRMED)
    view = present(r, tr("en"), "en")
    assert view.message == en
    zh = present(r, tr("zh_CN"), "zh_CN").message
    assert zh != en and "{" not in zh
    if key == "exit.granted":
        assert view.title == "Goodbye"
