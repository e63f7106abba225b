"""The members CSV parser: good rows, each bad row with its line and reason, hostile files."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lobby_core.members_csv import COLUMNS, CsvFileError, member_record, normalise_uid, parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes


def test_good_file_parses_every_field() -> None:
    data = members_csv_bytes([
        member_row("M001", "04:a1:b2:c3|04-A1-B2-C3-D4-E5-F6", name="  张  小明 ",
                   facilities="gym|Pool", valid_from="2026-01-01", valid_until="2026-12-31",
                   status="Frozen", visits=12),
        member_row("M002", "", name="John Smith", facilities="", visits=None),
    ])
    result = parse_csv(data)
    assert result.errors == ()
    a, b = result.members
    assert (a.line, a.member_no, a.name) == (2, "M001", "张 小明")
    assert a.card_uids == ("04A1B2C3", "04A1B2C3D4E5F6")
    assert a.facilities == ("gym", "pool")
    assert (a.valid_from, a.valid_until) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (a.status, a.visits_remaining) == ("frozen", 12)
    assert (b.line, b.card_uids, b.facilities, b.visits_remaining) == (3, (), (), None)


def test_columns_in_any_order_and_bom_are_accepted() -> None:
    cols = tuple(reversed(COLUMNS))
    data = b"\xef\xbb\xbf" + members_csv_bytes([member_row("M1", "04A1B2C3")], columns=cols)
    assert [m.member_no for m in parse_csv(data).members] == ["M1"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("member_no", "", "member_no is empty"),
        ("member_no", "M 1", "member_no must be"),
        ("name", "   ", "name is empty"),
        ("name", "Bad\x07Name", "name contains control characters"),
        ("name", "x" * 101, "name is longer than 100"),
        ("card_uid", "04A1B2", "has 6 hex digits"),
        ("card_uid", "04A1B2ZZ", "must be hexadecimal"),
        ("card_uid", "04A1B2C3|04a1b2c3", "lists card 04A1B2C3 twice"),
        ("facilities", "gym|swimming pool", "facility 'swimming pool'"),
        ("valid_from", "2026/01/01", "valid_from '2026/01/01' is not a date in the form"),
        ("valid_until", "2026-02-30", "valid_until '2026-02-30' is not a valid calendar date"),
        ("valid_until", "2019-12-31", "valid_until 2019-12-31 is before valid_from 2020-01-01"),
        ("status", "gone", "status 'gone' must be one of active, frozen, blocked"),
        ("visits_remaining", "-1", "visits_remaining '-1' must be a whole number"),
        ("visits_remaining", "1.5", "visits_remaining '1.5' must be a whole number"),
        ("visits_remaining", "２", "visits_remaining '２' must be a whole number"),
        ("visits_remaining", "1000001", "more than 1000000"),
    ],
)
def test_each_bad_field_is_a_row_error_with_line_and_reason(field: str, value: str,
                                                             reason: str) -> None:
    bad = member_row("M2", "04A1B2C4")
    bad[field] = value
    data = members_csv_bytes([member_row("M1", "04A1B2C3"), bad, member_row("M3", "04A1B2C5")])
    result = parse_csv(data)
    assert [m.member_no for m in result.members] == ["M1", "M3"]
    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert reason in result.errors[0].reason


def test_name_is_never_echoed_in_a_reason() -> None:
    row = member_row("M1", "04A1B2C3", name="Secret\x00Person")
    result = parse_csv(members_csv_bytes([row]).replace(b"\x00", b"\x1b"))
    assert result.errors and "Secret" not in str(result.errors[0])


def test_duplicates_in_one_file_name_the_first_line() -> None:
    data = members_csv_bytes([
        member_row("M1", "04A1B2C3"), member_row("M1", "04A1B2C4"), member_row("M2", "04A1B2C3"),
    ])
    result = parse_csv(data)
    assert [m.line for m in result.members] == [2]
    assert [(e.line, e.reason) for e in result.errors] == [
        (3, "member_no M1 already on line 2"), (4, "card 04A1B2C3 already on line 2"),
    ]


def test_wrong_field_count_and_multiline_records_report_their_start_line() -> None:
    header = ",".join(COLUMNS)
    text = (f"{header}\n"
            'M1,"two\nlines",04A1B2C3,gym,2020-01-01,2099-12-31,active,\n'
            "M2,short,row\n"
            "\n"
            "M3,ok,04A1B2C4,gym,2020-01-01,2099-12-31,active,3\n")
    result = parse_csv(text.encode())
    assert [(m.member_no, m.line) for m in result.members] == [("M3", 6)]
    assert [(e.line, e.reason) for e in result.errors] == [
        (2, "name contains control characters"), (4, "has 3 fields, expected 8")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"member_no,name\nM1,x\n", "line 1: bad header: missing column(s) card_uid"),
        (",".join(COLUMNS).encode() + b",extra\n", "unknown column(s) 'extra'"),
        (",".join(COLUMNS + ("name",)).encode() + b"\n", "column(s) name given twice"),
        (",".join(COLUMNS).encode() + b"\nM1,\xd5\xc5\xc8\xfd\n", "line 2: not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        (",".join(COLUMNS).encode() + b'\nM1,"unterminated\n', "not valid CSV"),
    ],
)
def test_file_level_problems_raise_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(CsvFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_csv(data)


def test_normalise_uid() -> None:
    assert normalise_uid(" 04:a1-b2 c3 ") == "04A1B2C3"
    with pytest.raises(ValueError, match="empty"):
        normalise_uid(":-")


# -- hostile input --------------------------------------------------------------------------------

@given(st.binary(max_size=2000))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_bytes_give_a_result_or_a_file_error(data: bytes) -> None:
    try:
        result = parse_csv(data)
    except CsvFileError as exc:
        assert str(exc)
        return
    for m in result.members:
        assert m.valid_from <= m.valid_until
        assert m.status in ("active", "frozen", "blocked")


# NUL makes the whole file "not text" (a file-level error, tested above).
_field = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",),
                                        exclude_characters="\x00"), max_size=30)


@given(st.lists(st.lists(_field, min_size=0, max_size=10), max_size=20))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_rows_each_end_as_good_or_as_a_numbered_error(rows: list[list[str]]) -> None:
    buf = io.StringIO()
    # "\r\n" makes the writer quote any field holding \r or \n, so each row stays a record.
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    result = parse_csv(buf.getvalue().encode())
    lines = sorted([m.line for m in result.members] + [e.line for e in result.errors])
    assert len(lines) == len(set(lines))
    non_blank = [r for r in rows if any(f.strip() for f in r)]
    assert len(lines) == len(non_blank)
    for e in result.errors:
        assert e.reason and e.line >= 2


@given(
    member_no=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}", fullmatch=True),
    name=st.text(alphabet=st.characters(categories=("L", "Zs")), min_size=1, max_size=50)
    .filter(str.strip),
    uid=st.binary(min_size=4, max_size=4) | st.binary(min_size=7, max_size=7),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(0, 3650),
    visits=st.none() | st.integers(0, 1_000_000),
)
def test_valid_rows_round_trip(member_no: str, name: str, uid: bytes, start: date, days: int,
                               visits: int | None) -> None:
    from datetime import timedelta

    until = start + timedelta(days=days)
    data = members_csv_bytes([member_row(member_no, uid.hex(":"), name=name, valid_from=start,
                                         valid_until=until, visits=visits)])
    result = parse_csv(data)
    assert result.errors == ()
    (m,) = result.members
    assert (m.member_no, m.card_uids, m.valid_from, m.valid_until, m.visits_remaining) == (
        member_no, (uid.hex().upper(),), start, until, visits)
    # Names are stored NFC-normalised (a compatibility ideograph becomes its canonical one).
    assert m.name == " ".join(unicodedata.normalize("NFC", name).split())


def _fields(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "member_no": "M1", "name": "张小明", "card_uids": ["04a1b2c3"], "facilities": ["Gym"],
        "valid_from": date(2026, 1, 1), "valid_until": date(2026, 12, 31), "status": "active",
        "visits_remaining": None}
    return {**base, **changes}


def test_member_record_applies_the_row_rules_to_typed_fields() -> None:
    rec = member_record(**_fields())  # type: ignore[arg-type]
    assert (rec.member_no, rec.card_uids, rec.facilities) == ("M1", ("04A1B2C3",), ("gym",))


@pytest.mark.parametrize("changes", [
    {"member_no": "../M1"},
    {"name": "张\x1b[2J小明"},
    {"name": ""},
    {"card_uids": ["04A1B2"]},  # 3 bytes
    {"card_uids": ["04A1B2C3|04A1B2C4"]},  # one field, never split into two cards
    {"card_uids": [f"04A1B2{i:02X}" for i in range(11)]},  # more than a member may hold
    {"facilities": ["gym pool"]},
    {"valid_until": date(2025, 12, 31)},
    {"status": "paused"},
    {"visits_remaining": -1},
    {"visits_remaining": 1_000_001},
])
def test_member_record_refuses_what_a_csv_row_would(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        member_record(**_fields(**changes))  # type: ignore[arg-type]
