"""Every message key has both languages, and base texts only need what decide() always sets."""

from __future__ import annotations

import pytest

from kiosk.domain import access
from kiosk.domain.messages import (
    GRANTED,
    HINTS,
    LANGUAGES,
    MESSAGES,
    denied_key,
    placeholders,
    render,
)
from kiosk.domain.model import Reason


def test_one_key_per_reason_plus_granted() -> None:
    base = {k for k in MESSAGES if not k.startswith("access.hint.")}
    assert base == {GRANTED} | {denied_key(r) for r in Reason}


def test_access_module_exposes_messages() -> None:
    assert access.MESSAGES is MESSAGES


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_text_exists_in_both_languages_with_the_same_parameters(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == set(LANGUAGES)
    assert all(t.strip() for t in texts.values())
    assert placeholders(texts["zh_CN"]) == placeholders(texts["en"])


def test_hints_refer_to_hint_texts() -> None:
    for key, hints in HINTS.items():
        assert key in MESSAGES
        assert all(h.startswith("access.hint.") and h in MESSAGES for h in hints)


def test_hint_is_appended_only_when_its_parameters_are_present() -> None:
    key = denied_key(Reason.OUTSIDE_HOURS)
    bare = render(key, {}, "en")
    full = render(key, {"next_open_date": "2026-05-16", "next_open_time": "06:00"}, "en")
    assert full == bare + " It opens at 06:00 on 2026-05-16."
    half = render(key, {"next_open_time": "06:00"}, "en")
    assert half == bare


def test_granted_with_name_and_visits_in_chinese() -> None:
    text = render(GRANTED, {"name": "张*明", "visits_left": "7"}, "zh_CN")
    assert text == "欢迎光临！张*明，您好。剩余次数：7 次。"


def test_detail_values_are_not_reinterpreted_as_templates() -> None:
    text = render(GRANTED, {"name": "{visits_left}"}, "en")
    assert text == "Welcome! Hello, {visits_left}."


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        render(GRANTED, {}, "fr")
