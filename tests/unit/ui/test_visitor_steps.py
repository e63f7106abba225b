"""The visitor steps' presenter: each step refuses what the desk would refuse (with the
field's own text), moves back and forth, takes a read ID card, and forgets everything on wipe."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import IdCard
from devices.events import IdType
from kiosk.app import visitor_form as vf
from kiosk.store import HostEntry
from kiosk.ui.presenters.texts import FIELD_ERRORS, PURPOSES
from kiosk.ui.presenters.visitor_steps import (
    ALL_STEPS,
    INVITED_STEPS,
    MAX_MATCHES,
    HostSearch,
    Step,
    VisitorSteps,
)
from lobby_core import id_documents as ids

TODAY = date(2026, 6, 1)
RIC = "11010519491231002X"
HOST = HostEntry(1, "unit", "3-1201", "Building 3")


def steps(**kw: object) -> VisitorSteps:
    return VisitorSteps(notice_version="v2", today=lambda: TODAY, **kw)  # type: ignore[arg-type]


def card(**kw: object) -> IdCard:
    return IdCard(**{"id_type": IdType.RESIDENT, "id_number": RIC, "name": "王小二",  # type: ignore[arg-type]
                     "birth_date": date(1949, 12, 31), "valid_until": None,
                     "read_at": datetime(2026, 6, 1, tzinfo=UTC), **kw})


def filled(s: VisitorSteps | None = None) -> VisitorSteps:
    """A visitor who typed everything right, standing on the privacy step."""
    s = s or steps()
    s.set_id_number(RIC.lower())
    assert not s.next()
    s.set_name("王小二")
    assert not s.next()
    s.set_mobile("13800138000")
    assert not s.next()
    assert s.hosts.type("31")
    assert s.hosts.answer("31", [HOST])
    s.hosts.choose(HOST)
    assert not s.next()
    s.set_purpose("meeting")
    assert not s.next()
    s.more()
    assert not s.next()
    assert s.step is Step.PRIVACY
    return s


def gettext(msgid: str) -> str:
    return msgid


def test_a_visitor_goes_through_every_step_and_the_form_passes_the_desk_rules() -> None:
    s = filled()
    assert not s.next() and s.error_field == "privacy_notice_version"
    s.set_consent(True)
    assert s.next() is True
    form = s.form(gettext)
    valid = vf.validate(form, notice_version="v2", today=TODAY)
    r = valid.request
    assert (r.id_type, r.id_number, r.name, r.mobile, r.host, r.purpose, r.party_size) == (
        "cn_ric", RIC, "王小二", "13800138000", "3-1201 Building 3", PURPOSES["meeting"], 2)
    assert form.client_id == s.client_id == s.form(gettext).client_id  # twice: one visit


@pytest.mark.parametrize(("step", "setter", "value", "field", "key"), [
    (Step.ID, "set_id_number", "11010519491231002" + "1", "id_number", ids.BAD_CHECK),
    (Step.ID, "set_id_number", "1101051949", "id_number", ids.WRONG_LENGTH),
    (Step.ID, "set_id_number", "", "id_number", ids.WRONG_LENGTH),
    (Step.NAME, "set_name", "   ", "name", "text.empty"),
    (Step.NAME, "set_name", "Eve\u202eliam", "name", "text.bad_characters"),
    (Step.NAME, "set_name", "x" * 101, "name", "text.too_long"),
    (Step.MOBILE, "set_mobile", "12345678901", "mobile", ids.MOBILE_BAD_PREFIX),
    (Step.MOBILE, "set_mobile", "1380013800", "mobile", ids.MOBILE_WRONG_LENGTH),
    (Step.MOBILE, "set_mobile", "", "mobile", ids.MOBILE_WRONG_LENGTH),
])
def test_a_step_refuses_its_field_with_the_field_text_and_stays(step: Step, setter: str, value: str,
                                                                field: str, key: str) -> None:
    s = steps()
    s.step = step
    getattr(s, setter)(value)
    assert s.next() is False
    assert s.step is step and s.error_field == field
    assert s.error is not None and s.error.msgid == FIELD_ERRORS[key]
    getattr(s, setter)("")  # typing again clears the message
    assert s.error is None


def test_passport_needs_a_country_and_a_resident_number_is_not_a_passport() -> None:
    s = steps()
    s.set_id_type(ids.PASSPORT)
    assert s.needs_country and not s.keypad_allows_x
    s.set_id_number("E12345678")
    assert not s.next() and s.error_field == "country"
    s.set_country("xx")
    assert not s.next() and s.error.msgid == FIELD_ERRORS[ids.UNKNOWN_COUNTRY]  # type: ignore[union-attr]
    s.set_country("chn")
    assert not s.next() and s.step is Step.NAME
    s.back()
    s.set_id_number(RIC)
    assert not s.next() and s.error_field == "id_type"
    assert s.error.msgid == FIELD_ERRORS[vf.RESIDENT_ID_AS_FREE_FORM]  # type: ignore[union-attr]


def test_the_keypad_offers_x_only_for_resident_id_types() -> None:
    s = steps()
    for t in ids.ID_TYPES:
        s.set_id_type(t)
        assert s.keypad_allows_x is (t in (ids.CN_RIC, ids.HMT_RES_PERMIT, ids.FOREIGN_PR))
    with pytest.raises(ValueError):
        s.set_id_type("library_card")


def test_host_step_needs_a_chosen_match_and_the_purpose_step_a_purpose() -> None:
    s = steps()
    s.step = Step.HOST
    assert not s.next() and s.error.msgid == FIELD_ERRORS["host.not_chosen"]  # type: ignore[union-attr]
    s.step = Step.PURPOSE
    assert not s.next() and s.error.msgid == FIELD_ERRORS["purpose.not_chosen"]  # type: ignore[union-attr]
    s.set_purpose("other")
    assert not s.next() and s.error_field == "purpose"
    s.set_purpose_other("Piano tuning")
    assert not s.next() and s.step is Step.PARTY
    assert s.purpose_text(gettext) == "Piano tuning"
    with pytest.raises(ValueError):
        s.set_purpose("smuggling")


def test_party_size_stays_between_1_and_10() -> None:
    s = steps()
    s.fewer()
    assert s.party_size == 1
    for _ in range(20):
        s.more()
    assert s.party_size == 10
    s.party_size = 11  # as if set around the setters
    s.step = Step.PARTY
    assert not s.next() and s.error.msgid == FIELD_ERRORS[vf.PARTY_SIZE_RANGE]  # type: ignore[union-attr]


def test_host_search_needs_two_characters_shows_at_most_ten_and_drops_stale_answers() -> None:
    h = HostSearch()
    assert h.type("3") is False and h.too_short
    assert h.type(" 3 ") is False
    assert h.type("31") is True and not h.too_short
    many = [HostEntry(i, "unit", f"3-{i}", "") for i in range(15)]
    assert h.answer("3", many) is False and h.matches == []  # an answer for a shorter query
    assert h.type("312") is True
    assert h.answer("31", many) is False and h.matches == []  # typed on since
    assert h.answer("312", many) is True and len(h.matches) == MAX_MATCHES == 10
    with pytest.raises(ValueError):
        h.choose(many[12])  # never listed: cannot be chosen
    h.choose(many[0])
    assert h.chosen == many[0]
    h.type("")  # clearing the query lists nothing
    assert h.matches == []


def test_back_walks_to_the_first_step_and_then_says_leave() -> None:
    s = filled()
    seen = [s.step]
    while s.back():
        seen.append(s.step)
    assert seen == list(reversed(ALL_STEPS))
    assert s.back() is False and s.step is Step.ID


def test_a_read_card_fills_type_number_and_name_and_the_visitor_only_confirms() -> None:
    s = steps()
    s.step = Step.MOBILE
    s.set_mobile("13800138000")
    assert s.fill_from_card(card(id_type=IdType.HMT_RESIDENCE_PERMIT, id_number="810000199408230021"))
    assert s.step is Step.ID and s.from_card and s.id_type == ids.HMT_RES_PERMIT
    assert s.id_number_masked == "810***********0021" and s.name_masked == "王*二"
    s.set_id_number("110105194912310000")  # ignored: the card's number stands
    s.set_name("Mallory")
    assert s.id_number == "810000199408230021" and s.name == "王小二"
    assert s.mobile == "13800138000"  # what was typed before stays


def test_a_card_read_form_goes_through_the_card_path_and_type_instead_drops_it() -> None:
    s = steps()
    s.fill_from_card(card())
    s.step = Step.PRIVACY
    s.step = Step.ID
    for _ in range(3):
        s.next()
    s.set_mobile("13800138000")
    s.next()
    s.hosts.type("31")
    s.hosts.answer("31", [HOST])
    s.hosts.choose(HOST)
    for _ in range(3):
        s.set_purpose("visit")
        s.next()
    s.set_consent(True)
    assert s.next() is True
    form = s.form(gettext)
    assert (form.id_type, form.id_number, form.name) == ("cn_ric", RIC, "王小二")
    assert form.client_id == s.client_id
    s.type_instead()
    assert not s.from_card and s.id_number == "" and s.name == ""


def test_an_unknown_card_type_is_ignored() -> None:
    s = steps()
    unknown = card()
    object.__setattr__(unknown, "id_type", "martian")
    assert s.fill_from_card(unknown) is False and not s.from_card and s.id_number == ""


def test_wipe_forgets_everything_and_starts_a_new_registration() -> None:
    s = filled()
    s.fill_from_card(card())
    s.set_consent(True)
    old = s.client_id
    s.wipe()
    fresh = steps()
    for name in ("step", "id_type", "id_number", "country", "name", "mobile", "purpose_key",
                 "purpose_other", "party_size", "consent", "card", "error", "invitation"):
        assert getattr(s, name) == getattr(fresh, name), name
    assert (s.hosts.query, s.hosts.matches, s.hosts.chosen) == ("", [], None)
    assert s.client_id != old


def test_an_invited_visitor_is_asked_id_name_mobile_and_privacy_only() -> None:
    s = steps()
    s.invite("INV1:abc", host="Ms Li, 3-1201")
    assert s.steps == INVITED_STEPS and s.progress == (1, 4)
    s.set_id_number(RIC)
    s.next()
    s.set_name("Alice Example")
    s.next()
    s.set_mobile("+44 7700 900123")
    s.next()
    assert s.step is Step.PRIVACY
    s.set_consent(True)
    assert s.next() is True
    form = s.form(gettext)
    assert form.invitation == "INV1:abc" and form.host == "Ms Li, 3-1201" and form.purpose == "Invited guest"
    vf.validate(form, notice_version="v2", today=TODAY)


def test_a_refusal_from_the_desk_opens_the_refused_fields_step() -> None:
    s = filled()
    s.refused(vf.FormError("mobile", ids.MOBILE_BAD_PREFIX, "x"))
    assert s.step is Step.MOBILE and s.error.msgid == FIELD_ERRORS[ids.MOBILE_BAD_PREFIX]  # type: ignore[union-attr]
    s.invite("INV1:abc", "host")
    s.refused(vf.FormError("host", "text.empty", "x"))  # not a step here: the first one
    assert s.step is Step.ID


@given(st.text(max_size=60))
def test_hostile_text_in_any_field_is_refused_or_accepted_never_raises(value: str) -> None:
    s = steps()
    for step, setter in ((Step.ID, "set_id_number"), (Step.NAME, "set_name"), (Step.MOBILE, "set_mobile")):
        s.step = step
        getattr(s, setter)(value)
        moved = s.next() is False and s.step is not step
        assert moved or (s.error is not None and s.error.msgid in FIELD_ERRORS.values())
