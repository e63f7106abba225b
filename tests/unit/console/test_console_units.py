"""Pure pieces of the console: translations complete, language choice, CSV cell escaping,
post-login redirects, and visit-log filter parsing (hostile values get a named error)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central.console import i18n, messages
from central.console.access import safe_next
from central.console.csv_export import safe_cell
from central.console.queries import FilterError, LogFilter


def test_every_console_message_has_a_chinese_translation() -> None:
    assert messages.missing("zh_CN") == []
    # The extraction itself works: a known template string and a Python one are found.
    ids = messages.message_ids()
    assert {"Pending visitors", "Wrong user name or password."} <= ids


def test_translations_keep_their_placeholders() -> None:
    import re

    table = i18n.catalogue("zh_CN")
    for msgid, text in table.items():
        assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", text)), msgid


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "zh_CN"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "zh-TW;q=0.8, en;q=0.9", "en"),
        (None, "fr, de;q=0.5", "zh_CN"),
        (None, "en;q=0, zh", "zh_CN"),
        (None, "en;q=abc, zh;q=0.1", "zh_CN"),
        ("en", "zh-CN", "en"),
        ("xx", "en", "en"),
    ],
)
def test_language_choice(cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.choose(cookie, header) == expected


@given(st.text(max_size=300))
def test_language_choice_never_fails(header: str) -> None:
    assert i18n.choose(None, header) in i18n.LANGUAGES


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_get_an_apostrophe(start: str) -> None:
    assert safe_cell(start + "1+1") == "'" + start + "1+1"


@given(st.text(max_size=50))
def test_no_escaped_cell_starts_a_formula_and_text_survives(value: str) -> None:
    cell = safe_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (value, "'" + value)
    buf = io.StringIO()
    csv.writer(buf).writerow([cell])
    assert next(csv.reader(io.StringIO(buf.getvalue(), newline=""))) == [cell]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/console/log?status=pending", "/console/log?status=pending"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example", None),
        ("console", None),
        ("/x\r\nSet-Cookie: a=b", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next(value: str | None, expected: str | None) -> None:
    assert safe_next(value) == expected


def test_log_filter_parses_and_round_trips() -> None:
    f = LogFilter.parse({"from": "2026-01-01", "to": "2026-01-31", "status": "denied", "host": " A-12 ",
                         "kiosk": "3", "page": "2"})  # fmt: skip
    assert f == LogFilter(date(2026, 1, 1), date(2026, 1, 31), "denied", "A-12", 3, 2)
    assert LogFilter.parse(f.query(page=2)) == f
    assert LogFilter.parse({}) == LogFilter()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"status": "DROP TABLE"}, "status"),
        ({"host": "x" * 101}, "host"),
        ({"kiosk": "-1"}, "kiosk"),
        ({"kiosk": "0"}, "kiosk"),
        ({"page": "0"}, "page"),
        ({"page": "1e9"}, "page"),
    ],
)
def test_log_filter_names_the_bad_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(FilterError) as err:
        LogFilter.parse(params)
    assert str(err.value) == field
