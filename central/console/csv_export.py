"""Write the visit log and the entrance log as CSV that is safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab / carriage return, which some spreadsheets skip before
reading a formula) would run as a formula in Excel or LibreOffice (CSV injection, e.g.
`=HYPERLINK(...)` in a visitor's name typed at the kiosk); such cells get a leading apostrophe,
the OWASP-recommended escape, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from ..services.entrances import EntranceRow
from ..services.visits import VisitRow
from .reasons import in_words
from .render import local

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_IDS: tuple[str, ...] = (
    "Visit", "Registered", "Kiosk", "Status", "Name", "ID type", "Issuing country", "ID number", "Host",
    "Purpose",
    "Party", "On blocklist", "Decided", "Decided by", "Reason", "Entered", "Left",
    "Checked out", "Checked out by",
)  # fmt: skip
# How a visit was checked out, as the CSV's "Checked out" column says it.
CHECKOUT_WORDS = {"gate": "at the gate", "desk": "by reception", "auto": "closed automatically"}


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _cells(r: VisitRow, gettext: Callable[[str], str]) -> list[object]:
    return [
        r.id,
        local(r.created_at),
        r.kiosk,
        r.status,
        r.name,
        r.id_type,
        r.id_country,
        r.id_masked,  # never the number itself
        r.host,
        r.purpose,
        r.party_size,
        "yes" if r.blocklisted else "",
        local(r.decided_at),
        r.decided_by,
        r.deny_reason,
        local(r.checked_in_at),
        local(r.checked_out_at),
        gettext(CHECKOUT_WORDS[r.checkout_kind]) if r.checkout_kind in CHECKOUT_WORDS else "",
        r.checked_out_by,
    ]


ENTRANCE_HEADER_IDS: tuple[str, ...] = (
    "Time", "Kiosk", "Direction", "Member no.", "Name", "Facility", "Outcome", "Locker",
)  # fmt: skip


def _entrance_cells(r: EntranceRow, gettext: Callable[..., str]) -> list[object]:
    return [
        local(r.occurred_at, "%Y-%m-%d %H:%M:%S"),
        r.kiosk,
        gettext("Exit") if r.exit else gettext("Entry"),
        r.member_no,
        r.name_masked,  # never the full name
        r.facility,
        in_words(r.outcome, r.reason, gettext),
        r.locker,
    ]


def rows_csv(rows: Iterable[VisitRow], gettext: Callable[[str], str], chunk: int = 500) -> Iterator[bytes]:
    """The visit log: UTF-8 CSV with a byte-order mark (Excel otherwise reads Chinese as GBK)."""
    return _write(HEADER_IDS, (_cells(r, gettext) for r in rows), gettext, chunk)


def entrances_csv(
    rows: Iterable[EntranceRow], gettext: Callable[..., str], chunk: int = 500
) -> Iterator[bytes]:
    """The entrance log, written like the visit log."""
    return _write(ENTRANCE_HEADER_IDS, (_entrance_cells(r, gettext) for r in rows), gettext, chunk)


def _write(
    header_ids: Iterable[str], rows: Iterable[list[object]], gettext: Callable[..., str], chunk: int
) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (Excel otherwise reads Chinese as GBK), in chunks."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    w.writerow([safe_cell(gettext(h)) for h in header_ids])
    n = 0
    for cells in rows:
        w.writerow([safe_cell(c) for c in cells])
        n += 1
        if n % chunk == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")
