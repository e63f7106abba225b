"""The ID-number and mobile keypads: which key may come where, each type's length limit, the
numbers the form accepts can all be typed, hostile keys."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.ui.keyboards import id_number_keypad, mobile_keypad
from kiosk.ui.keyboards.keypad import KeypadModel
from lobby_core import id_documents as ids

TODAY = dt.date(2026, 5, 1)
# One valid number per type (the form's rules accept each; checked below).
VALID = {
    ids.CN_RIC: "11010519491231002X",
    ids.HMT_RES_PERMIT: "810000199408230021",
    ids.FOREIGN_PR: "ABC123456789012",
    ids.PASSPORT: "E12345678",
    ids.HK_MACAO_PERMIT: "H1234567800",
    ids.TAIWAN_PERMIT: "1234567801",
    ids.OTHER: "XYZ98765",
}
MAX_LENGTH = {ids.CN_RIC: 18, ids.HMT_RES_PERMIT: 18, ids.FOREIGN_PR: 18, ids.PASSPORT: 20,
              ids.HK_MACAO_PERMIT: 11, ids.TAIWAN_PERMIT: 10, ids.OTHER: 20}


def typed(pad: KeypadModel, keys: str) -> list[bool]:
    return [pad.press(k) for k in keys]


def test_every_type_has_a_keypad() -> None:
    assert set(VALID) == set(ids.ID_TYPES)


@pytest.mark.parametrize("id_type", ids.ID_TYPES)
def test_a_valid_number_of_each_type_can_be_typed_and_validates(id_type: str) -> None:
    pad = id_number_keypad(id_type)
    assert all(typed(pad, VALID[id_type]))
    country = "GBR" if id_type == ids.PASSPORT else None
    assert ids.validate(id_type, pad.text, country=country, today=TODAY).number == VALID[id_type]


@pytest.mark.parametrize("id_type", ids.ID_TYPES)
def test_each_type_stops_at_its_longest_number(id_type: str) -> None:
    pad = id_number_keypad(id_type)
    assert pad.max_length == MAX_LENGTH[id_type]
    first = "H" if id_type == ids.HK_MACAO_PERMIT else "9" if id_type == ids.FOREIGN_PR else "1"
    typed(pad, first + "1" * 30)
    assert len(pad.text) == MAX_LENGTH[id_type]
    assert not pad.press("1")


def test_a_resident_id_takes_x_only_as_its_last_character() -> None:
    pad = id_number_keypad(ids.CN_RIC)
    assert pad.allow_x and not pad.letters
    assert not pad.press("X")
    typed(pad, "1101051949123100")
    assert not pad.press("X")  # 16 typed: the 17th is a digit
    pad.press("2")
    assert pad.press("x") and pad.text.endswith("X")  # lower case is the same key
    assert not pad.press("1")


def test_letters_other_than_x_never_go_into_a_resident_id() -> None:
    pad = id_number_keypad(ids.CN_RIC)
    typed(pad, "1" * 17)
    assert not pad.press("A")


def test_a_foreign_permanent_residence_number_has_two_shapes() -> None:
    pad = id_number_keypad(ids.FOREIGN_PR)
    assert typed(pad, "AB1") == [True, True, False]  # three letters first
    pad.clear()
    typed(pad, "ABC" + "1" * 12)
    assert not pad.press("1")  # the 2017 card has 15 characters
    pad.clear()
    assert not pad.press("1")  # the 2023 card starts with 9
    assert typed(pad, "9A") == [True, False]


def test_a_hong_kong_macao_permit_starts_with_h_or_m() -> None:
    pad = id_number_keypad(ids.HK_MACAO_PERMIT)
    assert not pad.press("1") and not pad.press("X")
    assert pad.press("m") and pad.text == "M"
    assert not pad.press("H")


def test_a_taiwan_permit_is_digits_only() -> None:
    pad = id_number_keypad(ids.TAIWAN_PERMIT)
    assert not pad.allow_x and not pad.letters
    assert not pad.press("X") and not pad.press("A")


def test_an_unknown_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="cn_ric"):
        id_number_keypad("driving_licence")


def test_backspace_and_clear() -> None:
    pad = id_number_keypad(ids.CN_RIC)
    assert not pad.backspace()
    typed(pad, "123")
    assert pad.backspace() and pad.text == "12"
    pad.clear()
    assert pad.text == ""


def test_display_groups_a_resident_id_for_reading_back() -> None:
    pad = id_number_keypad(ids.CN_RIC)
    typed(pad, VALID[ids.CN_RIC])
    assert pad.display() == "110105 19491231 002X"
    pad.clear()
    typed(pad, "1101051")
    assert pad.display() == "110105 1"
    pad.clear()
    assert pad.display() == ""


def test_mobile_takes_eleven_digits_or_plus_and_fifteen() -> None:
    pad = mobile_keypad()
    assert pad.allow_plus and not pad.allow_x
    typed(pad, "1380013800099")
    assert pad.text == "13800138000"
    assert pad.display() == "138 0013 8000"
    assert not pad.press("+")  # only first
    pad.clear()
    assert pad.press("+")
    assert not pad.press("+")
    typed(pad, "4" * 20)
    assert pad.text == "+" + "4" * 15
    assert pad.display() == pad.text
    assert ids.normalise_mobile(pad.text) == pad.text


@pytest.mark.parametrize("key", ["", "12", "\u0661", "１", "\x00", "é", "-", None, 1])
def test_keys_no_keypad_has_are_refused(key: object) -> None:
    pad = id_number_keypad(ids.PASSPORT)
    with pytest.raises(ValueError):
        pad.press(key)  # type: ignore[arg-type]
    assert pad.text == ""


@pytest.mark.parametrize("key", ["X", "A"])
def test_a_mobile_keypad_takes_no_letters(key: str) -> None:
    pad = mobile_keypad()
    assert not pad.press(key)


@pytest.mark.parametrize("key", ["-", " ", "*", "#", "(", "\n"])
def test_marks_are_no_keys_at_all(key: str) -> None:
    pad = mobile_keypad()
    with pytest.raises(ValueError):
        pad.press(key)


def test_a_keypad_takes_at_least_one_key() -> None:
    with pytest.raises(ValueError):
        KeypadModel(0, lambda _t, _k: True)


@given(st.sampled_from(ids.ID_TYPES), st.text(alphabet="0123456789XHMAZ+x", max_size=40))
def test_whatever_is_pressed_the_text_fits_the_type(id_type: str, keys: str) -> None:
    pad = id_number_keypad(id_type)
    typed(pad, keys)
    assert len(pad.text) <= pad.max_length
    assert pad.text.isascii() and (pad.text == "" or pad.text.isalnum()) and pad.text == pad.text.upper()
    if id_type in (ids.CN_RIC, ids.HMT_RES_PERMIT):
        assert pad.text[:17] == "" or pad.text[:17].isdigit()
        assert "X" not in pad.text or pad.text.index("X") == 17


def test_accepts_says_what_press_would_do_without_typing() -> None:
    pad = id_number_keypad(ids.CN_RIC)
    typed(pad, "1" * 17)
    assert pad.accepts("X") and pad.accepts("x") and pad.accepts("0") and not pad.accepts("A")
    assert pad.text == "1" * 17
    pad.press("X")
    assert not pad.accepts("0") and not pad.accepts("X")
    with pytest.raises(ValueError):
        pad.accepts("?")
