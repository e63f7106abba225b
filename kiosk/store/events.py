"""Access events: the append-only log of every tap, its pulse outcome and its sync outbox mark.

An event is written (and committed with synchronous=FULL) before the relay pulses; the
pulse outcome is recorded afterwards. `pending` rows found when a kiosk run starts belong to
a process that died in between and become `unconfirmed`: nobody knows whether the gate
opened (see run_lock for telling them from another live run's pulses in flight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from . import bulk
from .tables import AccessEvent

_t = AccessEvent.__table__


class PulseState(StrEnum):
    NONE = "none"  # denied: nothing to pulse
    PENDING = "pending"  # recorded, pulse in progress
    CONFIRMED = "confirmed"
    FAILED = "failed"  # nothing reached the relay; the member was sent to staff, visit refunded
    # The process stopped between record and pulse, or the relay failed after the on went
    # out: the gate may have opened. Counts as an entry; the visit stays spent.
    UNCONFIRMED = "unconfirmed"


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
    pass_id: int | None = None  # a visitor pass's event (card_uid ""); revision 0007
    visit_id: int | None = None  # the pass's visit at central; 0 for a pass signed here


_INSERT = insert(_t)
_SET_PULSE = update(_t).where(_t.c.uuid == bindparam("u")).values(
    pulse_state=bindparam("state"))
_SET_PULSE_REFUNDED = update(_t).where(_t.c.uuid == bindparam("u")).values(
    pulse_state=bindparam("state"), consumed_visit=False)


def insert_event(conn: Connection, ev: Event) -> None:
    conn.execute(_INSERT, {
        "uuid": ev.uuid, "at": ev.at, "facility": ev.facility, "direction": ev.direction,
        "card_uid": ev.card_uid, "member_no": ev.member_no, "granted": ev.granted,
        "reason": ev.reason, "consumed_visit": ev.consumed_visit, "visits_left": ev.visits_left,
        "pulse_state": ev.pulse_state.value, "locker": ev.locker, "synced_at": None,
        "pass_id": ev.pass_id, "visit_id": ev.visit_id,
    })


def set_pulse_state(conn: Connection, uuid: str, state: PulseState, *, refunded: bool = False) -> None:
    conn.execute(_SET_PULSE_REFUNDED if refunded else _SET_PULSE, {"u": uuid, "state": state.value})


def mark_pending_unconfirmed(conn: Connection, before: datetime | None = None) -> int:
    stmt = update(_t).where(_t.c.pulse_state == PulseState.PENDING.value)
    if before is not None:
        stmt = stmt.where(_t.c.at < before)
    result = conn.execute(stmt.values(pulse_state=PulseState.UNCONFIRMED.value))
    return int(result.rowcount)


# A granted entry counts for anti-passback and occupancy unless its pulse failed (the member
# did not get in and was sent to staff).
_ENTERED = and_(_t.c.granted.is_(True), _t.c.direction == "entry",
                _t.c.pulse_state != PulseState.FAILED.value)
# Likewise an exit whose gate provably never opened: the member is still inside.
_EXITED = and_(_t.c.direction == "exit", _t.c.granted.is_(True),
               _t.c.pulse_state != PulseState.FAILED.value)
# Statements built once (see members.py): these run on every tap.
_LAST_ENTRY = select(func.max(_t.c.at)).where(
    _t.c.card_uid == bindparam("uid"), _t.c.facility == bindparam("facility"), _ENTERED)
_IN_OUT_TODAY = and_(_t.c.facility == bindparam("facility"), _t.c.at >= bindparam("since"),
                     _t.c.member_no.is_not(None), or_(_ENTERED, _EXITED))
_LAST_DIRECTION = (select(_t.c.direction).where(_t.c.member_no == bindparam("no"), _IN_OUT_TODAY)
                   .order_by(_t.c.at.desc(), _t.c.id.desc()).limit(1))
_latest = (select(_t.c.member_no, func.max(_t.c.id).label("last_id")).where(_IN_OUT_TODAY)
           .group_by(_t.c.member_no).subquery())
_OCCUPANCY = (select(func.count()).select_from(_latest.join(_t, _t.c.id == _latest.c.last_id))
              .where(_t.c.direction == "entry"))


def last_granted_entry(conn: Connection, card_uid: str, facility: str) -> datetime | None:
    return conn.execute(_LAST_ENTRY, {"uid": card_uid, "facility": facility}).scalar()


def is_inside(conn: Connection, member_no: str, facility: str, since: datetime) -> bool:
    last = conn.execute(_LAST_DIRECTION, {"no": member_no, "facility": facility,
                                          "since": since}).scalar()
    return last == "entry"


def occupancy(conn: Connection, facility: str, since: datetime) -> int:
    """Members whose last entry/exit event at `facility` since `since` is an entry."""
    return int(conn.execute(_OCCUPANCY, {"facility": facility, "since": since}).scalar_one())


def _row(r: object) -> Event:
    m = r._mapping  # type: ignore[attr-defined]
    return Event(
        uuid=m["uuid"], at=m["at"], facility=m["facility"], direction=m["direction"],
        card_uid=m["card_uid"], member_no=m["member_no"], granted=bool(m["granted"]),
        reason=m["reason"], consumed_visit=bool(m["consumed_visit"]), visits_left=m["visits_left"],
        pulse_state=PulseState(m["pulse_state"]), locker=m["locker"], synced_at=m["synced_at"],
        id=m["id"], pass_id=m["pass_id"], visit_id=m["visit_id"],
    )


def recent(conn: Connection, limit: int = 100, after_id: int = 0) -> list[Event]:
    rows = conn.execute(select(_t).where(_t.c.id > after_id).order_by(_t.c.id).limit(limit)).all()
    return [_row(r) for r in rows]


def by_uuid(conn: Connection, uuid: str) -> Event | None:
    row = conn.execute(select(_t).where(_t.c.uuid == uuid)).first()
    return None if row is None else _row(row)


def outbox(conn: Connection, limit: int = 500) -> list[Event]:
    """The next events to send, oldest first: unacknowledged ones whose pulse has settled
    (a pending row's outcome is not known yet, so it waits)."""
    rows = conn.execute(
        select(_t).where(_t.c.synced_at.is_(None), _t.c.pulse_state != PulseState.PENDING.value)
        .order_by(_t.c.id).limit(limit)
    ).all()
    return [_row(r) for r in rows]


_BACKLOG = select(func.count()).select_from(_t).where(_t.c.synced_at.is_(None))


def backlog(conn: Connection) -> int:
    """The sync backlog: every access event central has not acknowledged, pending ones included.

    A pending row (pulse in flight, or its process died before the pulse was settled) is not
    sent yet, but central does not have it either: leaving it out would report "all sent"
    while an event is still only here. This is the one figure for the status file, `kiosk
    diag` and the heartbeat's outbox depth.
    """
    return int(conn.execute(_BACKLOG).scalar_one())


def mark_synced(conn: Connection, uuids: Sequence[str], at: datetime) -> int:
    n = 0
    for chunk in bulk.chunks(uuids):
        n += conn.execute(
            update(_t).where(_t.c.uuid.in_(chunk), _t.c.synced_at.is_(None)).values(synced_at=at)
        ).rowcount
    return n


def unsent_visits_used(conn: Connection, member_nos: Sequence[str]) -> dict[str, int]:
    """Visits each member used here that central has not acknowledged yet."""
    used: dict[str, int] = {}
    for chunk in bulk.chunks(member_nos):
        rows = conn.execute(
            select(_t.c.member_no, func.count())
            .where(_t.c.synced_at.is_(None), _t.c.consumed_visit.is_(True), _t.c.member_no.in_(chunk))
            .group_by(_t.c.member_no)
        ).all()
        used.update({no: int(n) for no, n in rows})
    return used
