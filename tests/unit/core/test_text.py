"""lobby_core.text: the one rule for typed text, with the hostile characters it exists for."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.text import TextError, clean_text, refused_kind


@pytest.mark.parametrize(("raw", "stored"), [
    ("张小明", "张小明"),
    ("  Jane   Smith ", "Jane Smith"),
    ("Jane\u3000Smith", "Jane Smith"),  # an ideographic space is a space
    ("Zoe\u0301", "Zo\u00e9"),  # NFC: e + combining acute becomes one character
    ("買買提·艾力", "買買提·艾力"),
    ("3栋 1201室", "3栋 1201室"),
    ("Café 😀", "Café 😀"),
])
def test_typed_text_is_kept_in_one_form(raw: str, stored: str) -> None:
    assert clean_text(raw) == unicodedata.normalize("NFC", stored)


@pytest.mark.parametrize(("raw", "kind"), [
    ("a\x00b", "control characters"),  # NUL
    ("Jane\nSmith", "control characters"),  # a line break in a one-line field
    ("Jane\tSmith", "control characters"),
    ("a\x1cb", "control characters"),  # str.split() would take this separator for a space
    ("a\x1b[2Jb", "control characters"),  # ESC: a terminal escape in a log
    ("abc\u202edcba", "invisible formatting characters"),  # right-to-left override
    ("ab\u200bcd", "invisible formatting characters"),  # zero-width space
    ("ab\ufeffcd", "invisible formatting characters"),  # BOM inside a value
    ("ab\ue000cd", "private-use characters"),
    ("ab\ud800cd", "invalid characters"),  # a lone surrogate
    ("ab\U000e0041cd", "invisible formatting characters"),  # a tag character
])
def test_hostile_characters_are_refused_with_what_they_are(raw: str, kind: str) -> None:
    with pytest.raises(TextError, match=f"host contains {kind}") as err:
        clean_text(raw, field="host")
    assert err.value.key == "text.bad_characters"
    assert raw not in str(err.value)


def test_empty_and_too_long() -> None:
    with pytest.raises(TextError, match="purpose is empty"):
        clean_text("   ", field="purpose")
    assert clean_text("", required=False) == ""
    assert clean_text("x" * 20, max_length=20) == "x" * 20
    with pytest.raises(TextError, match="longer than 20") as err:
        clean_text("x" * 21, max_length=20)
    assert err.value.key == "text.too_long"


def test_multiline_fields_keep_line_breaks_only() -> None:
    assert clean_text(" came late \r\n  twice\r", multiline=True) == "came late\ntwice"
    with pytest.raises(TextError, match="note contains control characters"):
        clean_text("a\tb\nc", field="note", multiline=True)
    with pytest.raises(TextError, match="invisible formatting"):
        clean_text("ok\nab\u202ecd", multiline=True)


def test_not_text_is_refused() -> None:
    with pytest.raises(TextError) as err:
        clean_text(42)  # type: ignore[arg-type]
    assert err.value.key == "text.not_text"


@given(st.text())
def test_what_is_stored_breaks_no_rule_and_is_stable(raw: str) -> None:
    try:
        stored = clean_text(raw, max_length=10_000, required=False)
    except TextError:
        assert refused_kind(unicodedata.normalize("NFC", raw)) is not None
        return
    assert refused_kind(stored) is None
    assert clean_text(stored, max_length=10_000, required=False) == stored
    assert stored == stored.strip() and "  " not in stored
