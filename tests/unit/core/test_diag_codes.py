"""The diagnostics code list: every template formats with its own placeholders, codes are
dotted names, and a check built from a code carries the filled-in English text."""

from __future__ import annotations

import re

import pytest

from lobby_core.diag_codes import CODES, placeholders, render


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_renders_with_its_placeholders(code: str) -> None:
    summary, hint = CODES[code]
    assert re.fullmatch(r"[a-z_]+\.[a-z_]+", code)
    params = {name: f"<{name}>" for name in placeholders(summary) | placeholders(hint)}
    text, advice = render(code, params)
    for name in params:
        assert f"<{name}>" in text + advice
    assert text and "{" not in text and "{" not in advice


def test_a_missing_param_is_an_error_not_a_silent_blank() -> None:
    with pytest.raises(KeyError):
        render("relay.no_answer", {})


def test_every_failure_code_tells_what_to_do() -> None:
    # a code whose summary names a problem has a hint; a pass code needs none
    problems = ("down", "missing", "failed", "refused", "corrupt", "invalid", "no_answer",
                "unresponsive", "paper_out", "offline", "silent", "not_enrolled")
    for code, (_summary, hint) in CODES.items():
        if any(p in code for p in problems):
            assert hint, code
