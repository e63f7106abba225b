"""The entrance log: members' taps at the kiosks (access events of kind member_entry/member_exit),
filtered and paged for the console, streamed for its CSV export, and a member's last ones.

Events carry no name; the member's current name is joined in and masked here, so nothing
above this module ever holds a member's full name next to their taps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select

from lobby_core.masking import mask_name

from ..context import Central
from ..models import AccessEvent, Kiosk, Member

MEMBER_KINDS = ("member_entry", "member_exit")
# What kiosks send as an event's outcome (kiosk.sync.outbox): a refusal, a passage, a passage
# the kiosk could not confirm (it stopped between record and pulse), a relay that failed.
OUTCOMES = ("granted", "denied", "unconfirmed", "gate_failed")
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class EntranceFilter:
    """Which taps a log shows; None leaves a field out. Times are aware datetimes."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    kiosk_id: int | None = None
    member_no: str | None = None  # exact
    outcome: str | None = None  # one of OUTCOMES


@dataclass(frozen=True)
class EntranceRow:
    id: int
    occurred_at: datetime
    kiosk: str
    kind: str
    member_no: str | None
    name_masked: str  # "" for an unknown card or a member deleted since
    facility: str | None
    outcome: str | None
    reason: str | None
    locker: str | None = None  # the locker the entrance opened for the member

    @property
    def exit(self) -> bool:
        return self.kind == "member_exit"


def _conditions(f: EntranceFilter) -> list[Any]:
    conds: list[Any] = [AccessEvent.kind.in_(MEMBER_KINDS)]
    if f.since is not None:
        conds.append(AccessEvent.occurred_at >= f.since)
    if f.until is not None:
        conds.append(AccessEvent.occurred_at < f.until)
    if f.kiosk_id:
        conds.append(AccessEvent.kiosk_id == f.kiosk_id)
    if f.member_no:
        conds.append(AccessEvent.member_no == f.member_no)
    if f.outcome:
        conds.append(AccessEvent.outcome == f.outcome)
    return conds


_NEWEST_FIRST = (AccessEvent.occurred_at.desc(), AccessEvent.id.desc())
_COLUMNS = (
    AccessEvent.id, AccessEvent.occurred_at, Kiosk.name, AccessEvent.kind, AccessEvent.member_no,
    Member.name, AccessEvent.facility, AccessEvent.outcome, AccessEvent.reason, AccessEvent.locker,
)  # fmt: skip


def _select(*conds: Any) -> Select[Any]:
    return (
        select(*_COLUMNS)
        .join(Kiosk, Kiosk.id == AccessEvent.kiosk_id)
        .outerjoin(Member, and_(Member.member_no == AccessEvent.member_no, Member.deleted.is_(False)))
        .where(*conds)
    )


def _row(r: Any) -> EntranceRow:
    id_, at, kiosk, kind, no, name, facility, outcome, reason, locker = r
    return EntranceRow(id_, at, kiosk, kind, no, mask_name(name), facility, outcome, reason, locker)


def entrance_log(
    central: Central, f: EntranceFilter | None = None, *, limit: int = 100, offset: int = 0
) -> tuple[list[EntranceRow], int]:
    """One page of members' taps, newest first, and how many match `f`."""
    conds = _conditions(f or EntranceFilter())
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    with central.db.reading() as s:
        total = int(s.execute(select(func.count()).select_from(AccessEvent).where(*conds)).scalar_one())
        rows = s.execute(_select(*conds).order_by(*_NEWEST_FIRST).limit(limit).offset(offset)).all()
    return [_row(r) for r in rows], total


def entrance_log_stream(
    central: Central, f: EntranceFilter | None = None, batch: int = 1000
) -> Iterator[EntranceRow]:
    """Every tap matching `f`, newest first, fetched in batches (for the CSV export)."""
    stmt = _select(*_conditions(f or EntranceFilter())).order_by(*_NEWEST_FIRST)
    with central.db.reading() as s:
        for r in s.execute(stmt.execution_options(yield_per=batch)):
            yield _row(r)


def last_entries(central: Central, member_no: str, limit: int = 20) -> list[EntranceRow]:
    """A member's last taps, newest first (their page in the console)."""
    return entrance_log(central, EntranceFilter(member_no=member_no), limit=limit)[0]
