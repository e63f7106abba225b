"""Visit packages spent offline: central keeps the count, and records overdraws once.

The concurrency policy (README, "Offline visit packages"): a kiosk decides from its local copy,
so two kiosks that are both offline can each admit a member on the package's last visit. Nobody
is turned away at the gate for that. When their events arrive, central takes each used visit
off the member's count in the order the visits happened; a visit the count could not cover is
an *overdraw*: recorded once (per kiosk and event id, however often the kiosk resends), shown
in the console for reception to settle (charge it, or waive it), and the count stays at 0 —
never negative, never a block on the member. Every kiosk gets the new count through the
members feed.

Called by central.services.events.ingest inside its write transaction, with only the events
that transaction newly stored: a resent batch changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import counters
from ..context import Central
from ..errors import NotFound
from ..models import Base, Kiosk, Member, UTCDateTime, utcnow
from . import id_rules

VISIT_USED = "visit_used"  # the kiosk's reason on a granted entry that spent one visit
_SPENDING_OUTCOMES = ("granted", "unconfirmed")  # "unconfirmed": the gate may well have opened


class VisitOverdraw(Base):
    """One visit admitted beyond a member's package (migration: visit_overdraws)."""

    __tablename__ = "visit_overdraws"
    __table_args__ = (UniqueConstraint("kiosk_id", "event_id", name="uq_visit_overdraws_event"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_no: Mapped[str] = mapped_column(String(32), index=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    facility: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")


class SpentEvent(Protocol):
    event_id: str
    occurred_at: datetime
    kind: str
    facility: str | None
    member_no: str | None
    outcome: str | None
    reason: str | None


def spends_visit(e: SpentEvent) -> bool:
    return (e.kind == "member_entry" and e.reason == VISIT_USED
            and e.outcome in _SPENDING_OUTCOMES and bool(e.member_no))


def on_ingest(s: Session, kiosk_id: int, stored: Sequence[SpentEvent]) -> int:
    """Take newly stored visits off members' counts; returns how many overdraws were recorded."""
    spent = sorted((e for e in stored if spends_visit(e)), key=lambda e: (e.occurred_at, e.event_id))
    if not spent:
        return 0
    nos = sorted({e.member_no for e in spent if e.member_no})
    stmt = select(Member).where(Member.member_no.in_(nos), Member.deleted.is_(False))
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two kiosks' batches for one member take turns
    members = {m.member_no: m for m in s.execute(stmt).scalars()}
    changed: list[Member] = []
    overdraws = 0
    for e in spent:
        m = members.get(e.member_no or "")
        if m is None or m.visits_remaining is None:
            continue  # unknown now, or unlimited: nothing to take off
        if m.visits_remaining > 0:
            m.visits_remaining -= 1
            if m not in changed:
                changed.append(m)
            continue
        s.add(VisitOverdraw(member_no=m.member_no, kiosk_id=kiosk_id, event_id=e.event_id,
                            facility=e.facility, occurred_at=e.occurred_at, recorded_at=utcnow()))
        overdraws += 1
    if changed:
        # A new feed position for each changed member: every kiosk learns the new count.
        pos = counters.reserve(s, counters.MEMBERS, len(changed))
        now = utcnow()
        for i, m in enumerate(changed):
            m.version, m.updated_at = pos + i, now
    s.flush()
    return overdraws


# -- queries for the console -----------------------------------------------------------------

@dataclass(frozen=True)
class OverdrawView:
    id: int
    member_no: str
    kiosk: str
    facility: str | None
    occurred_at: datetime
    recorded_at: datetime
    resolved_at: datetime | None
    note: str


def list_overdraws(central: Central, *, unresolved_only: bool = True, member_no: str | None = None,
                   limit: int = 200) -> list[OverdrawView]:
    """Overdraws newest first (the console's list); by default only those not yet settled."""
    stmt = (select(VisitOverdraw, Kiosk.name).join(Kiosk, Kiosk.id == VisitOverdraw.kiosk_id)
            .order_by(VisitOverdraw.occurred_at.desc(), VisitOverdraw.id.desc())
            .limit(max(1, min(limit, 10_000))))
    if unresolved_only:
        stmt = stmt.where(VisitOverdraw.resolved_at.is_(None))
    if member_no:
        stmt = stmt.where(VisitOverdraw.member_no == member_no)
    with central.db.reading() as s:
        return [OverdrawView(o.id, o.member_no, kiosk, o.facility, o.occurred_at, o.recorded_at,
                             o.resolved_at, o.note) for o, kiosk in s.execute(stmt).all()]


def count_unresolved(central: Central) -> int:
    with central.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(VisitOverdraw)
                             .where(VisitOverdraw.resolved_at.is_(None))).scalar_one())


def resolve(central: Central, overdraw_id: int, user_id: int | None, note: str = "") -> None:
    """Reception settled it (charged or waived); it leaves the open list, the record stays."""
    note = id_rules.text(note, "note", max_length=200, required=False)
    with central.db.writing() as s:
        o = s.get(VisitOverdraw, overdraw_id)
        if o is None:
            raise NotFound("no such overdraw")
        if o.resolved_at is None:
            o.resolved_at, o.resolved_by = utcnow(), user_id
            o.note = note
