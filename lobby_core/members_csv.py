"""Parse and validate a members CSV file (the PRODUCT.md contract), shared by both importers.

Pure functions, no IO: bytes in, (good records, row errors) out. A file-level problem (not
UTF-8, not CSV, bad header) raises CsvFileError and nothing should be written; a bad row
becomes a RowError with its line number and reason and the other rows are still good.

Header: member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining
(columns in any order). card_uid: hex, case and separators (: - space) ignored; several cards
of one member are separated by "|". facilities: separated by "|". Dates: YYYY-MM-DD,
valid_until inclusive. status: active|frozen|blocked. visits_remaining: empty = unlimited.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from lobby_core.facilities import facility_code
from lobby_core.text import TextError, clean_text
from lobby_core.uid import normalise_uid

COLUMNS: tuple[str, ...] = (
    "member_no", "name", "card_uid", "facilities",
    "valid_from", "valid_until", "status", "visits_remaining",
)  # fmt: skip
STATUSES: tuple[str, ...] = ("active", "frozen", "blocked")

MAX_NAME = 100
MAX_VISITS = 1_000_000
MAX_CARDS = 10
MAX_FACILITIES = 20
MAX_FIELD = 1000  # longer than any sane field; stops a hostile file from bloating errors
_MEMBER_NO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


class CsvFileError(ValueError):
    """The file as a whole cannot be imported (encoding, CSV syntax, header); nothing changes."""


@dataclass(frozen=True, slots=True)
class MemberRecord:
    line: int
    member_no: str
    name: str
    card_uids: tuple[str, ...]
    facilities: tuple[str, ...]
    valid_from: date
    valid_until: date
    status: str
    visits_remaining: int | None


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ParseResult:
    members: tuple[MemberRecord, ...]
    errors: tuple[RowError, ...]


class _Bad(ValueError):
    pass


def _has_control(s: str) -> bool:
    return any(unicodedata.category(c)[0] == "C" for c in s)


def _member_no(v: str) -> str:
    v = v.strip()
    if not v:
        raise _Bad("member_no is empty")
    if not _MEMBER_NO.fullmatch(v):
        raise _Bad("member_no must be 1-32 letters, digits, '.', '_' or '-' (starting with a "
                   "letter or digit)")
    return v


def _name(v: str) -> str:
    # Never echo the name in a reason: it is personal data and the reason may be logged.
    try:
        return clean_text(v, field="name", max_length=MAX_NAME)
    except TextError as exc:
        raise _Bad(str(exc)) from None


def _cards(v: str) -> tuple[str, ...]:
    return _card_list(v.split("|"))


def _card_list(values: Iterable[str]) -> tuple[str, ...]:
    parts = [p for p in values if p.strip()]
    if len(parts) > MAX_CARDS:
        raise _Bad(f"card_uid lists more than {MAX_CARDS} cards")
    uids: list[str] = []
    for p in parts:
        try:
            uid = normalise_uid(p)
        except ValueError as exc:
            raise _Bad(f"card_uid {_show(p)}: {exc}") from None
        if uid in uids:
            raise _Bad(f"card_uid lists card {uid} twice")
        uids.append(uid)
    return tuple(uids)


def _facilities(v: str) -> tuple[str, ...]:
    return _facility_list(v.split("|"))


def _facility_list(values: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in values:
        if not p.strip():
            continue
        try:
            f = facility_code(p)
        except ValueError as exc:
            raise _Bad(f"facility {_show(p)} {exc}") from None
        if f not in out:
            out.append(f)
    if len(out) > MAX_FACILITIES:
        raise _Bad(f"facilities lists more than {MAX_FACILITIES} facilities")
    return tuple(out)


def _date(v: str, column: str) -> date:
    v = v.strip()
    if not v:
        raise _Bad(f"{column} is empty (expected YYYY-MM-DD)")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        raise _Bad(f"{column} {_show(v)} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise _Bad(f"{column} {_show(v)} is not a valid calendar date") from None


def _status(v: str) -> str:
    s = v.strip().lower()
    if s not in STATUSES:
        raise _Bad(f"status {_show(v)} must be one of {', '.join(STATUSES)}")
    return s


def _visits(v: str) -> int | None:
    v = v.strip()
    if not v:
        return None
    if not v.isascii() or not v.isdigit():
        raise _Bad(f"visits_remaining {_show(v)} must be a whole number >= 0, or empty "
                   "for unlimited")
    n = int(v)
    if n > MAX_VISITS:
        raise _Bad(f"visits_remaining {n} is more than {MAX_VISITS}")
    return n


def _show(v: str) -> str:
    """A field value safe to put in an error message: short, with control chars escaped."""
    v = v if len(v) <= 40 else v[:40] + "…"
    return repr(v)


def _header(row: Sequence[str]) -> dict[str, int]:
    names = [c.strip().lower() for c in row]
    unknown = [c for c in names if c not in COLUMNS]
    missing = [c for c in COLUMNS if c not in names]
    dupes = sorted({c for c in names if names.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(_show(c) for c in unknown[:5])}")
    if dupes:
        problems.append(f"column(s) {', '.join(dupes)} given twice")
    if problems:
        raise CsvFileError(
            "line 1: bad header: " + "; ".join(problems) + f". Expected: {','.join(COLUMNS)}"
        )
    return {c: names.index(c) for c in COLUMNS}


def _record(line: int, row: Sequence[str], cols: dict[str, int]) -> MemberRecord:
    if len(row) != len(cols):
        raise _Bad(f"has {len(row)} fields, expected {len(cols)}")
    too_long = [c for c, i in cols.items() if len(row[i]) > MAX_FIELD]
    if too_long:
        raise _Bad(f"{too_long[0]} is longer than {MAX_FIELD} characters")
    get = {c: row[i] for c, i in cols.items()}
    valid_from = _date(get["valid_from"], "valid_from")
    valid_until = _date(get["valid_until"], "valid_until")
    if valid_until < valid_from:
        raise _Bad(f"valid_until {valid_until} is before valid_from {valid_from}")
    return MemberRecord(
        line=line,
        member_no=_member_no(get["member_no"]),
        name=_name(get["name"]),
        card_uids=_cards(get["card_uid"]),
        facilities=_facilities(get["facilities"]),
        valid_from=valid_from,
        valid_until=valid_until,
        status=_status(get["status"]),
        visits_remaining=_visits(get["visits_remaining"]),
    )


def member_record(*, member_no: str, name: str, card_uids: Iterable[str], facilities: Iterable[str],
                  valid_from: date, valid_until: date, status: str,
                  visits_remaining: int | None) -> MemberRecord:
    """One member from fields already split and typed (central's members feed), under the same
    rules as a CSV row, so the entrance never sees a record the importer would have refused.
    ValueError with the reason (never the name) when it breaks one."""
    if valid_until < valid_from:
        raise _Bad(f"valid_until {valid_until} is before valid_from {valid_from}")
    if visits_remaining is not None and not 0 <= visits_remaining <= MAX_VISITS:
        raise _Bad(f"visits_remaining must be 0..{MAX_VISITS}, or empty for unlimited")
    return MemberRecord(
        line=0, member_no=_member_no(member_no), name=_name(name), card_uids=_card_list(card_uids),
        facilities=_facility_list(facilities), valid_from=valid_from, valid_until=valid_until,
        status=_status(status), visits_remaining=visits_remaining,
    )


def validate_rows(header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]]) -> ParseResult:
    """Validate (line number, fields) rows under `header`; the pure core of both importers.

    Within one file a member_no or a card UID may appear once; a later duplicate is a row
    error naming the line that has it first.
    """
    cols = _header(header)
    good: list[MemberRecord] = []
    errors: list[RowError] = []
    member_line: dict[str, int] = {}
    uid_line: dict[str, int] = {}
    for line, row in rows:
        if not any(f.strip() for f in row):
            continue  # blank line (spreadsheets add them at the end)
        try:
            rec = _record(line, row, cols)
            first = member_line.get(rec.member_no)
            if first is not None:
                raise _Bad(f"member_no {rec.member_no} already on line {first}")
            for uid in rec.card_uids:
                if uid in uid_line:
                    raise _Bad(f"card {uid} already on line {uid_line[uid]}")
        except _Bad as exc:
            errors.append(RowError(line, str(exc)))
            continue
        member_line[rec.member_no] = line
        uid_line.update(dict.fromkeys(rec.card_uids, line))
        good.append(rec)
    return ParseResult(tuple(good), tuple(errors))


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise CsvFileError("not a text file (it contains NUL bytes); save it as CSV, UTF-8")
    try:
        # utf-8-sig: spreadsheet programs put a byte-order mark in front of UTF-8 CSV.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFileError(
            f"line {line}: not UTF-8 text (byte 0x{data[exc.start]:02X}); save the file as "
            "'CSV UTF-8' (a GBK/ANSI export garbles names)"
        ) from None


def parse_csv(data: bytes) -> ParseResult:
    """Parse a whole members CSV file; CsvFileError if the file as a whole is unusable."""
    text = _decode(data)
    if not text.strip():
        raise CsvFileError("the file is empty; expected a header line: " + ",".join(COLUMNS))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader)
        next_line = reader.line_num + 1
        for row in reader:
            rows.append((next_line, row))  # the line a (possibly multi-line) record starts on
            next_line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(f"line {reader.line_num}: not valid CSV: {exc}") from None
    return validate_rows(header, rows)
