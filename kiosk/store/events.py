"""Access events: the append-only log of every tap, its pulse outcome and its sync outbox mark.

An event is written (and committed with synchronous=FULL) before the relay pulses; the
pulse outcome is recorded afterwards. `pending` rows found at start-up belong to a process
that died in between and become `unconfirmed`: nobody knows whether the gate opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from .tables import AccessEvent

_t = AccessEvent.__table__


class PulseState(StrEnum):
    NONE = "none"  # denied: nothing to pulse
    PENDING = "pending"  # recorded, pulse in progress
    CONFIRMED = "confirmed"
    FAILED = "failed"  # the relay raised; the member was sent to staff, the visit refunded
    UNCONFIRMED = "unconfirmed"  # the process stopped between record and pulse


@dataclass(frozen=True, slots=True)
class Event:
    uuid: str
    at: datetime
    facility: str
    direction: str  # entry | exit
    card_uid: str
    member_no: str | None
    granted: bool
    reason: str | None
    consumed_visit: bool
    visits_left: int | None
    pulse_state: PulseState
    locker: str | None = None
    synced_at: datetime | None = None
    id: int | None = None


def insert_event(conn: Connection, ev: Event) -> None:
    conn.execute(insert(_t).values(
        uuid=ev.uuid, at=ev.at, facility=ev.facility, direction=ev.direction,
        card_uid=ev.card_uid, member_no=ev.member_no, granted=ev.granted, reason=ev.reason,
        consumed_visit=ev.consumed_visit, visits_left=ev.visits_left,
        pulse_state=ev.pulse_state.value, locker=ev.locker, synced_at=None,
    ))


def set_pulse_state(conn: Connection, uuid: str, state: PulseState, *, refunded: bool = False) -> None:
    values: dict[str, object] = {"pulse_state": state.value}
    if refunded:
        values["consumed_visit"] = False
    conn.execute(update(_t).where(_t.c.uuid == uuid).values(**values))


def mark_pending_unconfirmed(conn: Connection) -> int:
    result = conn.execute(
        update(_t).where(_t.c.pulse_state == PulseState.PENDING.value)
        .values(pulse_state=PulseState.UNCONFIRMED.value)
    )
    return int(result.rowcount)


# A granted entry counts for anti-passback and occupancy unless its pulse failed (the member
# did not get in and was sent to staff).
def _entered() -> object:
    return and_(_t.c.granted.is_(True), _t.c.direction == "entry",
                _t.c.pulse_state != PulseState.FAILED.value)


def last_granted_entry(conn: Connection, card_uid: str, facility: str) -> datetime | None:
    return conn.execute(
        select(func.max(_t.c.at)).where(_t.c.card_uid == card_uid, _t.c.facility == facility,
                                        _entered())
    ).scalar()


def _inside_filter(facility: str, since: datetime) -> object:
    exited = and_(_t.c.direction == "exit", _t.c.granted.is_(True))
    return and_(_t.c.facility == facility, _t.c.at >= since, _t.c.member_no.is_not(None),
                or_(_entered(), exited))


def is_inside(conn: Connection, member_no: str, facility: str, since: datetime) -> bool:
    last = conn.execute(
        select(_t.c.direction).where(_t.c.member_no == member_no, _inside_filter(facility, since))
        .order_by(_t.c.at.desc(), _t.c.id.desc()).limit(1)
    ).scalar()
    return last == "entry"


def occupancy(conn: Connection, facility: str, since: datetime) -> int:
    """Members whose last entry/exit event at `facility` since `since` is an entry."""
    latest = (
        select(_t.c.member_no, func.max(_t.c.id).label("last_id"))
        .where(_inside_filter(facility, since)).group_by(_t.c.member_no).subquery()
    )
    return int(conn.execute(
        select(func.count()).select_from(latest.join(_t, _t.c.id == latest.c.last_id))
        .where(_t.c.direction == "entry")
    ).scalar_one())


def _row(r: object) -> Event:
    m = r._mapping  # type: ignore[attr-defined]
    return Event(
        uuid=m["uuid"], at=m["at"], facility=m["facility"], direction=m["direction"],
        card_uid=m["card_uid"], member_no=m["member_no"], granted=bool(m["granted"]),
        reason=m["reason"], consumed_visit=bool(m["consumed_visit"]), visits_left=m["visits_left"],
        pulse_state=PulseState(m["pulse_state"]), locker=m["locker"], synced_at=m["synced_at"],
        id=m["id"],
    )


def recent(conn: Connection, limit: int = 100, after_id: int = 0) -> list[Event]:
    rows = conn.execute(select(_t).where(_t.c.id > after_id).order_by(_t.c.id).limit(limit)).all()
    return [_row(r) for r in rows]


def by_uuid(conn: Connection, uuid: str) -> Event | None:
    row = conn.execute(select(_t).where(_t.c.uuid == uuid)).first()
    return None if row is None else _row(row)


def outbox(conn: Connection, limit: int = 500) -> list[Event]:
    """Events central has not acknowledged yet, oldest first (never pending ones)."""
    rows = conn.execute(
        select(_t).where(_t.c.synced_at.is_(None), _t.c.pulse_state != PulseState.PENDING.value)
        .order_by(_t.c.id).limit(limit)
    ).all()
    return [_row(r) for r in rows]


def mark_synced(conn: Connection, uuids: Sequence[str], at: datetime) -> int:
    n = 0
    for i in range(0, len(uuids), 500):
        n += conn.execute(
            update(_t).where(_t.c.uuid.in_(uuids[i : i + 500]), _t.c.synced_at.is_(None))
            .values(synced_at=at)
        ).rowcount
    return n
