"""Visitor passes' entries counted at central, and overuses recorded once.

Each kiosk counts a pass's entries itself and decides offline, so two kiosks that are both
offline can each admit a single-entry pass (as two kiosks can each spend a member's last
visit: central/services/overdraw.py). When their `visitor_entry` events arrive, central counts
each one that passed (granted, or unconfirmed: the gate may well have opened) against the pass, in the
order the events reach it; an entry beyond the pass's `entries_allowed` (the visit's
`pass_entries`) is an *overuse*: recorded once per (kiosk, event id), however often a kiosk
resends, and listed for reception beside the overdrawn visits. A pass central has no visit for
(yet), or with unlimited entries, is counted but never overused.

Called by central.services.events.ingest inside its write transaction, with only the events
that transaction newly stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from lobby_core.masking import mask_name

from ..context import Central
from ..errors import NotFound
from ..models import Base, Kiosk, UTCDateTime, Visit, utcnow
from . import id_rules

VISITOR_ENTRY = "visitor_entry"
# A refused scan or a gate that provably never opened is no passage. Kiosks always say which
# ("granted", "unconfirmed", ...); an event without an outcome is taken as a passage.
NOT_PASSED = ("denied", "gate_failed")


def passed(outcome: str | None) -> bool:
    return outcome not in NOT_PASSED


class PassEntryCount(Base):
    """Entries central has heard of per pass (migration 0005)."""

    __tablename__ = "pass_entry_counts"
    pass_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    last_entry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PassOveruse(Base):
    """One entry admitted beyond a pass's entries (migration 0005)."""

    __tablename__ = "pass_overuses"
    __table_args__ = (UniqueConstraint("kiosk_id", "event_id", name="uq_pass_overuses_event"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[int] = mapped_column(BigInteger, index=True)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    entries_allowed: Mapped[int] = mapped_column(Integer)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    facility: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")


class PassEvent(Protocol):
    event_id: str
    occurred_at: datetime
    kind: str
    facility: str | None
    pass_id: int | str | None
    visit_id: int | None
    outcome: str | None


def spends_entry(e: PassEvent) -> bool:
    return e.kind == VISITOR_ENTRY and passed(e.outcome) and e.pass_id is not None


def _insert(s: Session):  # type: ignore[no-untyped-def]
    return (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(PassEntryCount)


def on_ingest(s: Session, kiosk_id: int, stored: Sequence[PassEvent]) -> int:
    """Count newly stored pass entries; returns how many overuses were recorded."""
    spent = [e for e in stored if spends_entry(e)]
    if not spent:
        return 0
    ids = sorted({int(e.pass_id) for e in spent if e.pass_id is not None})
    # Make sure every pass has its row, then lock them: two kiosks' batches take turns.
    s.execute(_insert(s).on_conflict_do_nothing(index_elements=["pass_id"]),
              [{"pass_id": i, "entries": 0} for i in ids])
    stmt = select(PassEntryCount).where(PassEntryCount.pass_id.in_(ids))
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    counts = {c.pass_id: c for c in s.execute(stmt).scalars()}
    allowed = dict(s.execute(select(Visit.pass_id, Visit.pass_entries)
                             .where(Visit.pass_id.in_(ids))).tuples().all())
    overuses = 0
    for e in spent:  # in the order they arrived: the batch is in the kiosk's own order
        pass_id = int(e.pass_id)  # type: ignore[arg-type]
        count = counts[pass_id]
        limit = allowed.get(pass_id)
        if limit and count.entries >= limit:
            s.add(PassOveruse(pass_id=pass_id, visit_id=e.visit_id, entries_allowed=limit,
                              kiosk_id=kiosk_id, event_id=e.event_id, facility=e.facility,
                              occurred_at=e.occurred_at, recorded_at=utcnow()))
            overuses += 1
        count.entries += 1
        if count.last_entry_at is None or e.occurred_at > count.last_entry_at:
            count.last_entry_at = e.occurred_at
    s.flush()
    return overuses


# -- reading, for reception --------------------------------------------------------------------

def entries_of(central: Central, pass_id: int) -> int:
    with central.db.reading() as s:
        count = s.get(PassEntryCount, pass_id)
        return 0 if count is None else count.entries


@dataclass(frozen=True)
class OveruseView:
    id: int
    pass_id: int
    visit_id: int | None
    entries_allowed: int
    kiosk: str
    facility: str | None
    occurred_at: datetime
    recorded_at: datetime
    resolved_at: datetime | None
    note: str
    visitor_masked: str = ""  # "" when central has no visit for the pass, or it was purged
    host: str = ""


def list_overuses(central: Central, *, unresolved_only: bool = True, settled_only: bool = False,
                  limit: int = 200) -> list[OveruseView]:
    """Overuses newest first; by default only those not yet settled (or only settled ones), each
    with its visitor's masked name and host so reception knows whom to speak to."""
    stmt = (select(PassOveruse, Kiosk.name, Visit.name, Visit.host)
            .join(Kiosk, Kiosk.id == PassOveruse.kiosk_id)
            .outerjoin(Visit, Visit.pass_id == PassOveruse.pass_id)
            .order_by(PassOveruse.occurred_at.desc(), PassOveruse.id.desc())
            .limit(max(1, min(limit, 10_000))))
    if settled_only:
        stmt = stmt.where(PassOveruse.resolved_at.is_not(None))
    elif unresolved_only:
        stmt = stmt.where(PassOveruse.resolved_at.is_(None))
    with central.db.reading() as s:
        return [OveruseView(o.id, o.pass_id, o.visit_id, o.entries_allowed, kiosk, o.facility,
                            o.occurred_at, o.recorded_at, o.resolved_at, o.note, mask_name(name), host or "")
                for o, kiosk, name, host in s.execute(stmt).all()]


def count_unresolved(central: Central) -> int:
    with central.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(PassOveruse)
                             .where(PassOveruse.resolved_at.is_(None))).scalar_one())


def resolve(central: Central, overuse_id: int, user_id: int | None, note: str = "") -> None:
    """Reception settled it; it leaves the open list, the record stays. The note follows the
    shared text rules (Invalid otherwise), as an overdraw's does."""
    note = id_rules.text(note, "note", max_length=200, required=False)
    with central.db.writing() as s:
        o = s.get(PassOveruse, overuse_id)
        if o is None:
            raise NotFound("no such pass overuse")
        if o.resolved_at is None:
            o.resolved_at, o.resolved_by = utcnow(), user_id
            o.note = note
