"""Masking of names, ID numbers, card UIDs and mobiles, including hostile and odd input.

Each kind had one rule per side before lobby_core; the cases where the retired rules
disagreed are in the tables, with a comment saying which rule won and why.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.masking import MASK, mask_id_number, mask_mobile, mask_name, mask_uid


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("张小明明", "张**明"),
        ("欧阳小明", "欧阳*明"),  # compound surname kept whole
        ("欧阳明", "欧阳*"),
        ("欧阳", "欧*"),  # two characters only: read as surname 欧 + given name 阳
        ("司马相如", "司马*如"),
        ("张", "*"),
        ("张 三", "张*"),  # one Chinese name typed with a space
        ("买买提·艾力", "买**·**"),
        ("John Smith", "J*** S****"),
        ("  John   Smith  ", "J*** S****"),
        ("Jean-Luc Picard", "J******* P*****"),
        ("José", "J***"),
        ("Jose\u0301", "J***"),  # decomposed accent is one character after NFC
        ("A", "A"),
        ("", ""),
        ("   ", ""),
        ("\x00\x1b[2J", "[**"),  # control characters dropped, never echoed to a terminal
        ("\u202eevil", "e***"),  # bidi override dropped
        # Central's retired identity.mask_name kept only the first character (张三丰 -> 张**,
        # John Smith -> J*********). The screen rule won: it is the product's rule, and it
        # is idempotent too, so the retention job may write it over stored names.
        ("张三丰", "张*丰"),
        ("Zhao Liu", "Z*** L**"),
        # Masked values mask to themselves (retention runs every hour over its own output).
        ("张*丰", "张*丰"),
        ("欧阳*明", "欧阳*明"),
        ("买**·**", "买**·**"),
        ("J*** S****", "J*** S****"),
        ("*", "*"),
        # Names the retired rule wrote stay as they are: masking never reveals more.
        ("张**", "张**"),
        ("J*********", "J*********"),
        ("欧***", "欧***"),
        # Initials: a one-letter word after the first is masked whole, so they never show as given.
        ("A B", "A *"),
        ("John F Kennedy", "J*** * K******"),
        # Mixed script that would read as Chinese once masked per word is masked as Chinese.
        ("张a 李b", "张***"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_name_none() -> None:
    assert mask_name(None) == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110101199003071234", "110***********1234"),
        ("11010119900307123X", "110***********123X"),
        (" 110101 19900307 1234 ", "110***********1234"),
        ("110101900307123", "110*********123"),  # 15-digit old ID
        ("E12345678", "E******78"),  # passport
        ("12345", "*****"),
        ("1", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("uid", "masked"),
    [
        ("04A1B2C3D4", "******C3D4"),
        ("A1B2C3D4", "****C3D4"),
        # devices.card.uid.mask_uid (retired) gave "****E5F6" whatever the length. The
        # length-preserving rule won: it was already the screen rule (console, kiosk), and it
        # never shows more than half of a short value, where "****" + last 4 showed all of it.
        ("04A1B2C3D4E5F6", "**********E5F6"),
        ("ABCD", "**CD"),
        ("A", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_uid(uid: str | None, masked: str) -> None:
    assert mask_uid(uid) == masked


def _visible(masked: str) -> int:
    return sum(c != "*" for c in masked)


hostile = st.text(alphabet=st.characters(codec=None), max_size=60)


@given(hostile)
def test_mask_name_total(name: str) -> None:
    out = mask_name(name)
    assert not any(unicodedata.category(c)[0] == "C" for c in out)
    assert len(out) <= len(unicodedata.normalize("NFC", name))
    # No word with two or more letters or digits is ever shown whole.
    for word in out.split():
        if sum(c.isalnum() for c in word) >= 2:
            assert "*" in word, (name, out)


@given(hostile)
def test_mask_id_number_total(value: str) -> None:
    out = mask_id_number(value)
    assert _visible(out) <= 0.45 * len(out)


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_mask_id_number_keeps_length_and_ends(value: str) -> None:
    out = mask_id_number(value)
    assert len(out) == 18 and out[:3] == value[:3] and out[-4:] == value[-4:]
    assert out[3:14] == "*" * 11


@given(hostile)
def test_mask_uid_total(uid: str) -> None:
    out = mask_uid(uid)
    assert _visible(out) <= min(4, len(out) // 2)


@pytest.mark.parametrize(
    ("mobile", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138****5678", "138****5678"),  # masked already
        ("+86 138-0013-8000", "+86*******8000"),  # the form central's visit schema accepts
        ("+44 7700 900123", "+44******0123"),
        ("+1 (415) 555-0100", "+1******0100"),
        ("+7 912 345 67 89", "+7******6789"),
        ("+852 9123 4567", "+852****4567"),  # a three-digit code is kept whole
        ("+86 12", "+86*2"),  # never more than half of what follows the code
        ("+86", "***"),  # a code alone: like an ID
        ("+", "*"),
        ("0755 8888 1234", "07*******234"),  # landline, like an ID number
        ("12345", "*****"),
        ("+٨٦ 13812345678", "+٨*********678"),  # non-ASCII digits: no country code, like an ID
        ("", ""),
        (None, ""),
    ],
)
def test_mask_mobile(mobile: str | None, masked: str) -> None:
    assert mask_mobile(mobile) == masked


MASKERS = [mask_name, mask_id_number, mask_uid, mask_mobile]
phone_like = st.text(alphabet="+0123456789 -()*", max_size=24)


def _retired_central_mask_name(name: str) -> str:
    """Central's first-character rule, as it was before lobby_core: its output is in databases."""
    if len(name) <= 1:
        return "*" if name else ""
    return name[:1] + "*" * (len(name) - 1)


def _shown(value: str) -> str:
    """What of `value` a screen would show as information: no controls, spaces or separators."""
    cleaned = unicodedata.normalize("NFC", value)
    return "".join(c for c in cleaned if unicodedata.category(c)[0] not in "CZ" and c not in ":-().")


@pytest.mark.parametrize("mask", MASKERS)
@given(value=st.one_of(hostile, phone_like, st.none()))
def test_never_raises_and_is_idempotent(mask, value: str | None) -> None:  # type: ignore[no-untyped-def]
    out = mask(value)
    assert isinstance(out, str)
    assert mask(out) == out, (value, out)


@pytest.mark.parametrize("mask", MASKERS)
@given(value=st.one_of(hostile, phone_like))
def test_never_returns_the_input(mask, value: str) -> None:  # type: ignore[no-untyped-def]
    # Raw personal data has no mask character in it; a masked value is covered by idempotence.
    if MASK in value or len(_shown(value)) <= 1:
        return
    assert mask(value) != value


@given(st.one_of(hostile, st.sampled_from(["张三丰", "欧阳小明", "John Smith", "买买提·艾力"])))
def test_names_masked_by_the_retired_rule_never_show_more(name: str) -> None:
    old = _retired_central_mask_name(name)
    assert mask_name(old) == mask_name(mask_name(old))
    shown_before = {c for c in old if c != MASK}
    assert {c for c in mask_name(old) if c != MASK} <= shown_before
