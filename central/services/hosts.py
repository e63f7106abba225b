"""The host directory: the units/rooms and companies a visitor may visit. Reception keeps it
(console page, `central hosts import FILE.csv`); kiosks sync all of it with its version
(GET /api/v1/hosts) and search it locally. Every change bumps the version (counters.HOSTS)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import counters
from ..context import Central
from ..errors import Conflict, Invalid, NotFound
from ..models import Host, utcnow
from . import id_rules

KINDS: Final[tuple[str, ...]] = ("unit", "company")
COLUMNS: Final[tuple[str, ...]] = ("kind", "label", "detail")
MAX_LABEL: Final = 100
MAX_DETAIL: Final = 200
MAX_HOSTS: Final = 10_000  # the contract's bound: kiosks hold the whole directory


@dataclass(frozen=True)
class HostView:
    id: int
    kind: str
    label: str
    detail: str


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)  # "line N: reason"


def _view(h: Host) -> HostView:
    return HostView(id=h.id, kind=h.kind, label=h.label, detail=h.detail)


def _kind(kind: str) -> str:
    k = kind.strip().lower()
    if k not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}", code="bad_host_kind")
    return k


def version(central: Central) -> int:
    with central.db.reading() as s:
        return counters.current(s, counters.HOSTS)


def listing(central: Central) -> tuple[int, list[HostView]]:
    """(version, every host by kind and label), read in one transaction so they agree."""
    with central.db.reading() as s:
        v = counters.current(s, counters.HOSTS)
        rows = s.execute(select(Host).order_by(Host.kind, Host.label, Host.id)).scalars()
        return v, [_view(h) for h in rows]


def add(central: Central, kind: str, label: str, detail: str = "") -> HostView:
    k = _kind(kind)
    label = id_rules.text(label, "label", max_length=MAX_LABEL)
    detail = id_rules.text(detail, "detail", max_length=MAX_DETAIL, required=False)
    try:
        with central.db.writing() as s:
            if s.execute(select(Host.id).where(Host.kind == k, Host.label == label)).first() is not None:
                raise Conflict("this host is in the directory already", code="host_exists")
            if _count(s) >= MAX_HOSTS:
                raise Invalid(f"the directory holds at most {MAX_HOSTS} hosts", code="too_many_hosts")
            h = Host(kind=k, label=label, detail=detail, created_at=utcnow())
            s.add(h)
            counters.reserve(s, counters.HOSTS)
            s.flush()
            return _view(h)
    except IntegrityError:  # a concurrent add of the same host won
        raise Conflict("this host is in the directory already", code="host_exists") from None


def remove(central: Central, host_id: int) -> None:
    with central.db.writing() as s:
        h = s.get(Host, host_id)
        if h is None:
            raise NotFound("no such host")
        s.delete(h)
        counters.reserve(s, counters.HOSTS)


def _count(s: Session) -> int:
    return int(s.execute(select(func.count()).select_from(Host)).scalar_one())


def _row(row: list[str], cols: dict[str, int]) -> tuple[str, str, str]:
    def cell(name: str) -> str:
        i = cols.get(name)
        return row[i] if i is not None and i < len(row) else ""

    k = _kind(cell("kind"))
    label = id_rules.text(cell("label"), "label", max_length=MAX_LABEL)
    return k, label, id_rules.text(cell("detail"), "detail", max_length=MAX_DETAIL, required=False)


def import_csv(central: Central, data: bytes) -> ImportResult:
    """Add or update hosts from CSV (header `kind,label,detail`; a host is its kind and label, so
    a known one gets the file's detail). Bad rows are reported by line and skipped; the good ones
    are stored. Invalid if the file as a whole is unusable."""
    try:
        text = data.decode("utf-8-sig")  # spreadsheets put a byte-order mark before UTF-8 CSV
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text; save it as 'CSV UTF-8'", code="bad_csv") from None
    if "\x00" in text:
        raise Invalid("not a text file (it contains NUL bytes); save it as CSV, UTF-8", code="bad_csv")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result = ImportResult()
    parsed: dict[tuple[str, str], str] = {}
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in ("kind", "label") if c not in header]
        if missing:
            raise Invalid("expected a header line: " + ",".join(COLUMNS), code="bad_csv")
        cols = {name: header.index(name) for name in COLUMNS if name in header}
        line = reader.line_num + 1
        for row in reader:
            if any(c.strip() for c in row):
                try:
                    k, label, detail = _row(row, cols)
                except Invalid as exc:
                    result.errors.append(f"line {line}: {exc}")
                else:
                    if (k, label) in parsed:
                        result.errors.append(f"line {line}: this host is listed twice in the file")
                    else:
                        parsed[(k, label)] = detail
            line = reader.line_num + 1
    except csv.Error as exc:
        raise Invalid(f"line {reader.line_num}: not valid CSV: {exc}", code="bad_csv") from None
    if not parsed:
        return result
    with central.db.writing() as s:
        known = {(h.kind, h.label): h for h in s.execute(select(Host)).scalars()}
        new = [key for key in parsed if key not in known]
        if len(known) + len(new) > MAX_HOSTS:
            raise Invalid(f"the directory holds at most {MAX_HOSTS} hosts", code="too_many_hosts")
        now = utcnow()
        for (k, label), detail in parsed.items():
            h = known.get((k, label))
            if h is None:
                s.add(Host(kind=k, label=label, detail=detail, created_at=now))
                result.added += 1
            elif h.detail != detail:
                h.detail = detail
                result.updated += 1
            else:
                result.unchanged += 1
        if result.added or result.updated:
            counters.reserve(s, counters.HOSTS)
    return result
