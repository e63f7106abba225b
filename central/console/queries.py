"""The console's side of reading visits and members' taps: the two logs' filters as a form sends
them (parsed, with a named error for a bad field, and back into URL parameters) and the pending
list's fingerprint. The reads themselves are central.services.visits' and .entrances'."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..services.entrances import OUTCOMES, EntranceFilter
from ..services.visits import STATUSES, VisitFilter, VisitRow
from .render import console_zone

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

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def visits(self) -> VisitFilter:
        """The service's filter: the days are the property's local days, `to` inclusive."""
        zone = console_zone()
        return VisitFilter(
            since=datetime.combine(self.date_from, time(), zone) if self.date_from else None,
            until=datetime.combine(self.date_to + timedelta(days=1), time(), zone) if self.date_to else None,
            status=self.status,
            host=self.host,
            kiosk_id=self.kiosk_id,
        )


def _day(q: dict[str, str], name: str) -> date | None:
    raw = (q.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(name) from None


def _bounded_int(q: dict[str, str], name: str, default: str, top: int) -> int | None:
    raw = (q.get(name) or default).strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= top:
        raise FilterError(name)
    return int(raw)


def _local_range(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """The property's local days as [since, until): `date_to` inclusive."""
    zone = console_zone()
    return (
        datetime.combine(date_from, time(), zone) if date_from else None,
        datetime.combine(date_to + timedelta(days=1), time(), zone) if date_to else None,
    )


MEMBER_NO_MAX = 32  # the column's width (access_events.member_no)


@dataclass(frozen=True)
class EntranceLogFilter:
    """The entrance log's filter: local days, kiosk, member number (exact), outcome, page."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    kiosk_id: int | None = None
    member_no: str | None = None
    outcome: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, q: dict[str, str]) -> EntranceLogFilter:
        outcome = (q.get("outcome") or "").strip() or None
        if outcome is not None and outcome not in OUTCOMES:
            raise FilterError("outcome")
        member_no = (q.get("member") or "").strip() or None
        if member_no is not None and len(member_no) > MEMBER_NO_MAX:
            raise FilterError("member")
        f = cls(
            _day(q, "from"), _day(q, "to"), _bounded_int(q, "kiosk", "", 2_000_000_000), member_no, outcome,
            _bounded_int(q, "page", "1", MAX_PAGE) or 1,
        )  # fmt: skip
        if f.date_from and f.date_to and f.date_to < f.date_from:
            raise FilterError("to")
        return f

    def query(self, page: int | None = None) -> dict[str, str]:
        """The filter as URL parameters (for pagination and the CSV link)."""
        out = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "kiosk": str(self.kiosk_id) if self.kiosk_id else "",
            "member": self.member_no or "",
            "outcome": self.outcome or "",
        }
        if page is not None:
            out["page"] = str(page)
        return {k: v for k, v in out.items() if v}

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def entrances(self) -> EntranceFilter:
        since, until = _local_range(self.date_from, self.date_to)
        return EntranceFilter(since=since, until=until, kiosk_id=self.kiosk_id, member_no=self.member_no,
                              outcome=self.outcome)  # fmt: skip


def pending_fingerprint(rows: list[VisitRow]) -> str:
    """Changes whenever a visit joins or leaves the pending list (pending rows never change)."""
    ids = ",".join(str(r.id) for r in rows)
    return hashlib.sha256(ids.encode()).hexdigest()[:16]
