"""The registration form's rules: each field refused with its own field name and message key,
accepted input in canonical form."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from kiosk.app.visitor_form import (
    PARTY_SIZE_RANGE,
    PRIVACY_NOT_ACCEPTED,
    RESIDENT_ID_AS_FREE_FORM,
    FormError,
    VisitorForm,
    validate,
)
from lobby_core import id_documents as ids

TODAY = date(2026, 6, 1)
RIC = "11010519491231002X"
GOOD = VisitorForm(id_type="cn_ric", id_number="110105 19491231 002x", name="  王小二 ",
                   mobile="+86 138-0013-8000", host="3-1201", purpose="visit", party_size=2,
                   privacy_notice_version="v2")


def check(**changes: object) -> FormError:
    with pytest.raises(FormError) as info:
        validate(dataclasses.replace(GOOD, **changes), notice_version="v2", today=TODAY)
    return info.value


def test_a_good_form_becomes_a_canonical_request() -> None:
    valid = validate(GOOD, notice_version="v2", today=TODAY)
    r = valid.request
    assert (r.id_type, r.id_number, r.name, r.mobile, r.host, r.party_size) == (
        "cn_ric", RIC, "王小二", "13800138000", "3-1201", 2)
    assert r.client_id == GOOD.client_id and valid.blocklist_key == ids.canonical_key("cn_ric", RIC)
    assert RIC not in repr(GOOD) and "王小二" not in repr(GOOD) and RIC not in repr(valid)


@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"id_type": "library_card"}, "id_type", ids.UNKNOWN_TYPE),
    ({"id_number": "11010519491231002" + "1"}, "id_number", ids.BAD_CHECK),
    ({"id_number": "1101051949123"}, "id_number", ids.WRONG_LENGTH),
    ({"id_type": "passport", "id_number": "E12345678"}, "country", ids.MISSING_COUNTRY),
    ({"id_type": "passport", "id_number": "E12345678", "country": "XX"}, "country", ids.UNKNOWN_COUNTRY),
    ({"id_type": "passport", "id_number": RIC, "country": "CHN"}, "id_type", RESIDENT_ID_AS_FREE_FORM),
    ({"id_type": "other", "id_number": RIC.lower()}, "id_type", RESIDENT_ID_AS_FREE_FORM),
    ({"name": "   "}, "name", "text.empty"),
    ({"name": "Eve\u202eliam"}, "name", "text.bad_characters"),
    ({"name": "x" * 101}, "name", "text.too_long"),
    ({"mobile": "12345"}, "mobile", ids.MOBILE_WRONG_LENGTH),
    ({"mobile": "1380013800a"}, "mobile", ids.MOBILE_WRONG_CHARACTERS),
    ({"host": ""}, "host", "text.empty"),
    ({"host": "3-12\x0001"}, "host", "text.bad_characters"),
    ({"purpose": "\u200b"}, "purpose", "text.bad_characters"),
    ({"party_size": 0}, "party_size", PARTY_SIZE_RANGE),
    ({"party_size": 11}, "party_size", PARTY_SIZE_RANGE),
    ({"party_size": True}, "party_size", PARTY_SIZE_RANGE),
    ({"privacy_notice_version": "v1"}, "privacy_notice_version", PRIVACY_NOT_ACCEPTED),
    ({"privacy_notice_version": ""}, "privacy_notice_version", PRIVACY_NOT_ACCEPTED),
    ({"invitation": "\x1b[2J"}, "invitation", "invitation.invalid"),
])
def test_each_refusal_names_its_field_and_key(changes: dict[str, object], field: str, key: str) -> None:
    err = check(**changes)
    assert (err.field, err.key) == (field, key)
    assert RIC not in str(err)


@pytest.mark.parametrize("size", [1, 10])
def test_party_size_bounds_are_inclusive(size: int) -> None:
    assert validate(dataclasses.replace(GOOD, party_size=size), notice_version="v2",
                    today=TODAY).request.party_size == size


def test_a_passport_keeps_its_number_and_needs_a_valid_country() -> None:
    r = validate(dataclasses.replace(GOOD, id_type="passport", id_number="e 1234 5678", country="cn"),
                 notice_version="v2", today=TODAY).request
    assert (r.id_type, r.id_number, r.id_country) == ("passport", "E12345678", "CHN")
    assert r.to_wire()["id_country"] == "CHN"
