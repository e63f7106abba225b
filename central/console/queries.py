"""Console reads the services do not offer: the visit log with host and kiosk filters (one page
plus a count, or a stream for CSV), the pending list's fingerprint, kiosk names and users."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from ..context import Central
from ..models import Kiosk, User, Visit
from ..services.visits import VisitRow
from .render import console_zone

STATUSES: tuple[str, ...] = ("pending", "approved", "denied", "expired", "revoked")
PAGE_SIZE = 50
MAX_PAGE = 10_000


class FilterError(ValueError):
    """A log filter value the console cannot use; the message names the field."""


@dataclass(frozen=True)
class LogFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    status: str | None = None
    host: str | None = None
    kiosk_id: int | None = None
    page: int = 1

    @classmethod
    def parse(cls, q: dict[str, str]) -> LogFilter:
        def day(name: str) -> date | None:
            raw = (q.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise FilterError(name) from None

        status = (q.get("status") or "").strip() or None
        if status is not None and status not in STATUSES:
            raise FilterError("status")
        host = (q.get("host") or "").strip() or None
        if host is not None and len(host) > 100:
            raise FilterError("host")
        kiosk_raw = (q.get("kiosk") or "").strip()
        page_raw = (q.get("page") or "1").strip()
        try:
            kiosk_id = int(kiosk_raw) if kiosk_raw else None
            page = int(page_raw)
        except ValueError:
            raise FilterError("kiosk" if kiosk_raw and not kiosk_raw.isdigit() else "page") from None
        if kiosk_id is not None and not 1 <= kiosk_id <= 2_000_000_000:
            raise FilterError("kiosk")
        if not 1 <= page <= MAX_PAGE:
            raise FilterError("page")
        f = cls(day("from"), day("to"), status, host, kiosk_id, page)
        if f.date_from and f.date_to and f.date_to < f.date_from:
            raise FilterError("to")
        return f

    def query(self, page: int | None = None) -> dict[str, str]:
        """The filter as URL parameters (for pagination and the CSV link)."""
        out = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "status": self.status or "",
            "host": self.host or "",
            "kiosk": str(self.kiosk_id) if self.kiosk_id else "",
        }
        if page is not None:
            out["page"] = str(page)
        return {k: v for k, v in out.items() if v}

    def conditions(self) -> list[Any]:
        zone = console_zone()
        conds: list[Any] = []
        if self.date_from:
            conds.append(Visit.created_at >= datetime.combine(self.date_from, time(), zone))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), zone)
            conds.append(Visit.created_at < end)
        if self.status:
            conds.append(Visit.status == self.status)
        if self.host:
            esc = self.host.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(Visit.host.like("%" + esc + "%", escape="\\"))
        if self.kiosk_id:
            conds.append(Visit.kiosk_id == self.kiosk_id)
        return conds


_decider = aliased(User)
_COLUMNS = (
    Visit.id,
    Kiosk.name,
    Visit.status,
    Visit.name,
    Visit.id_type,
    Visit.id_masked,
    Visit.mobile,
    Visit.host,
    Visit.purpose,
    Visit.party_size,
    Visit.blocklisted,
    Visit.created_at,
    Visit.expires_at,
    Visit.decided_at,
    _decider.username,
    Visit.deny_reason,
    Visit.pass_id,
    Visit.pass_valid_until,
    Visit.checked_in_at,
    Visit.checked_out_at,
    Visit.purged_at,
)


_NEWEST_FIRST = (Visit.created_at.desc(), Visit.id.desc())


def _select(*conds: Any) -> Select[Any]:
    return (
        select(*_COLUMNS)
        .join(Kiosk, Kiosk.id == Visit.kiosk_id)
        .outerjoin(_decider, _decider.id == Visit.decided_by)
        .where(*conds)
        .order_by(*_NEWEST_FIRST)
    )


_FIELDS = (
    "id", "kiosk", "status", "name", "id_type", "id_masked", "mobile", "host", "purpose",
    "party_size", "blocklisted", "created_at", "expires_at", "decided_at", "decided_by",
    "deny_reason", "pass_id", "pass_valid_until", "checked_in_at", "checked_out_at",
)  # fmt: skip


def _row(r: Any) -> VisitRow:
    return VisitRow(**dict(zip(_FIELDS, r[:-1], strict=True)), purged=r[-1] is not None)


def visit_log(central: Central, f: LogFilter) -> tuple[list[VisitRow], int]:
    """One page of the log, newest first, and how many visits match.

    The page's ids are found first and its rows fetched after ("deferred join"), so sorting
    and skipping touch two columns, not twenty. A substring filter on the host cannot use an
    index: then one scan finds both the page and the total (a window count) instead of two.
    """
    conds = f.conditions()
    offset = (f.page - 1) * PAGE_SIZE
    ids_q = select(Visit.id).where(*conds).order_by(*_NEWEST_FIRST).limit(PAGE_SIZE).offset(offset)
    with central.db.reading() as s:
        total: int | None = None
        if f.host:
            found = s.execute(ids_q.add_columns(func.count().over())).all()
            ids = [r[0] for r in found]
            total = int(found[0][1]) if found else None
        else:
            ids = list(s.execute(ids_q).scalars())
        if total is None:  # no host filter, or a page past the end
            total = int(s.execute(select(func.count()).select_from(Visit).where(*conds)).scalar_one())
        rows = s.execute(_select(Visit.id.in_(ids))).all() if ids else []
    return [_row(r) for r in rows], total


def visit_log_stream(central: Central, f: LogFilter, batch: int = 1000) -> Iterator[VisitRow]:
    """Every matching visit, newest first, fetched in batches (for the CSV export)."""
    with central.db.reading() as s:
        result = s.execute(_select(*f.conditions()).execution_options(yield_per=batch))
        for r in result:
            yield _row(r)


def pending_fingerprint(rows: list[VisitRow]) -> str:
    """Changes whenever a visit joins or leaves the pending list (pending rows never change)."""
    ids = ",".join(str(r.id) for r in rows)
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def kiosk_names(central: Central) -> list[tuple[int, str]]:
    with central.db.reading() as s:
        return [(i, n) for i, n in s.execute(select(Kiosk.id, Kiosk.name).order_by(Kiosk.name))]


def users(central: Central) -> list[User]:
    with central.db.reading() as s:
        return list(s.execute(select(User).order_by(User.username)).scalars())
