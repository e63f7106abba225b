"""Masking of names, ID numbers and card UIDs, including hostile and odd input."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.masking import mask_id_number, mask_name, mask_uid


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
