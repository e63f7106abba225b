"""The entrance log's pure pieces: a refusal reads as the kiosk showed it (held to the kiosk's own
table, in both languages), outcomes in words, the filter's parsing, and the CSV's cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from central.console import i18n, reasons
from central.console.csv_export import entrances_csv
from central.console.queries import EntranceLogFilter, FilterError
from central.services.entrances import OUTCOMES, EntranceRow
from kiosk.domain import messages as kiosk_messages
from kiosk.domain.model import Reason
from kiosk.sync.outbox import VISIT_USED

EN = i18n.translator("en")
ZH = i18n.translator("zh_CN")


def test_every_kiosk_reason_has_words_in_the_console() -> None:
    assert set(reasons.REASONS) == {r.value for r in Reason}
    assert reasons.VISIT_USED == VISIT_USED


@pytest.mark.parametrize("reason", [r.value for r in Reason])
def test_a_refusal_reads_as_the_kiosk_showed_it(reason: str) -> None:
    kiosk = kiosk_messages.MESSAGES[f"access.denied.{reason}"]
    has_parameter = bool(kiosk_messages.placeholders(kiosk["en"]))
    # Reworded exactly where the kiosk's text names a parameter the event does not carry.
    assert (reason in reasons.REWORDED) == has_parameter
    en = reasons.in_words("denied", reason, EN)
    zh = reasons.in_words("denied", reason, ZH)
    assert zh != en  # translated
    if not has_parameter:
        assert (en, zh) == (kiosk["en"], kiosk["zh_CN"])
    else:
        assert "{" not in en + zh


def test_outcomes_in_words() -> None:
    assert reasons.in_words("granted", None, EN) == "Granted"
    assert reasons.in_words("granted", VISIT_USED, EN) == "Granted (one visit used)"
    assert reasons.in_words("unconfirmed", None, EN) == "Granted, gate not confirmed"
    assert reasons.in_words("gate_failed", "relay_failed", EN) == "The gate did not open"
    # A reason a newer kiosk sends and this console does not know is shown, not hidden.
    assert reasons.in_words("denied", "moon_phase", EN) == "Refused (moon_phase)"
    assert reasons.in_words("denied", None, ZH) == "拒绝"
    assert reasons.in_words(None, None, EN) == "Granted"
    assert set(reasons.OUTCOME_LABELS) == set(OUTCOMES)


def test_entrance_filter_parses_and_round_trips() -> None:
    f = EntranceLogFilter.parse({"from": "2026-01-01", "to": "2026-01-31", "kiosk": "3", "member": " M-7 ",
                                 "outcome": "denied", "page": "2"})  # fmt: skip
    assert f == EntranceLogFilter(date(2026, 1, 1), date(2026, 1, 31), 3, "M-7", "denied", 2)
    assert EntranceLogFilter.parse(f.query(page=2)) == f
    assert EntranceLogFilter.parse({}) == EntranceLogFilter()
    assert f.offset == 50
    e = f.entrances()
    assert e.since is not None and e.until is not None and (e.until - e.since).days == 31  # `to` inclusive


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"outcome": "DROP TABLE"}, "outcome"),
        ({"member": "x" * 33}, "member"),
        ({"kiosk": "-1"}, "kiosk"),
        ({"kiosk": "0"}, "kiosk"),
        ({"kiosk": "¹"}, "kiosk"),
        ({"kiosk": "3000000000"}, "kiosk"),
        ({"page": "0"}, "page"),
        ({"page": "10001"}, "page"),
        ({"page": "1e9"}, "page"),
    ],
)
def test_entrance_filter_names_the_bad_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(FilterError) as err:
        EntranceLogFilter.parse(params)
    assert str(err.value) == field


def test_entrance_csv_cells_are_safe_and_in_words() -> None:
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    rows = [
        EntranceRow(1, at, "=cmd|' /C calc'!A0", "member_entry", "-M1", "=H*******", "gym", "denied",
                    "frozen"),
        EntranceRow(2, at, "Gate", "member_exit", "M2", "", None, "granted", None, "=A01"),
    ]
    text = b"".join(entrances_csv(rows, EN, chunk=1)).decode("utf-8")
    assert text.startswith("\ufeff")
    header, first, second = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert header == ["Time", "Kiosk", "Direction", "Member no.", "Name", "Facility", "Outcome", "Locker"]
    assert first[1:] == ["'=cmd|' /C calc'!A0", "Entry", "'-M1", "'=H*******", "gym",
                         "Your membership is frozen. To resume it, please see reception.", ""]  # fmt: skip
    assert second[1:] == ["Gate", "Exit", "M2", "", "", "Granted", "'=A01"]  # a locker label is escaped too
