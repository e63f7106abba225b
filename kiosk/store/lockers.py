"""Locker assignments: which configured locker (label, relay channel) a member holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .tables import Locker as LockerRow

_t = LockerRow.__table__


@dataclass(frozen=True, slots=True)
class Locker:
    label: str
    channel: int


def configure(conn: Connection, bank: Sequence[Locker]) -> list[str]:
    """Make the table match the configured bank; returns labels dropped while assigned."""
    labels = [lk.label for lk in bank]
    dropped = list(conn.execute(
        select(_t.c.label).where(_t.c.label.not_in(labels), _t.c.member_no.is_not(None))
    ).scalars())
    conn.execute(delete(_t).where(_t.c.label.not_in(labels)))
    for lk in bank:
        stmt = sqlite_insert(_t).values(label=lk.label, channel=lk.channel)
        conn.execute(stmt.on_conflict_do_update(index_elements=[_t.c.label],
                                                set_={"channel": lk.channel}))
    return dropped


_HELD = select(_t.c.label, _t.c.channel).where(_t.c.member_no == bindparam("no"))


def held_by(conn: Connection, member_no: str) -> Locker | None:
    row = conn.execute(_HELD, {"no": member_no}).first()
    return None if row is None else Locker(row[0], row[1])


def assign(conn: Connection, member_no: str, order: Sequence[str], now: datetime) -> Locker | None:
    """The member's current locker, else the first free one in `order`; None if all taken."""
    held = held_by(conn, member_no)
    if held is not None:
        return held
    free = dict(conn.execute(select(_t.c.label, _t.c.channel).where(_t.c.member_no.is_(None))).all())
    label = next((lb for lb in order if lb in free), None)
    if label is None:
        return None
    conn.execute(update(_t).where(_t.c.label == label).values(member_no=member_no, assigned_at=now))
    return Locker(label, free[label])


def release(conn: Connection, member_no: str) -> Locker | None:
    held = held_by(conn, member_no)
    if held is not None:
        conn.execute(update(_t).where(_t.c.label == held.label).values(member_no=None, assigned_at=None))
    return held


def all_lockers(conn: Connection) -> dict[str, str | None]:
    return dict(conn.execute(select(_t.c.label, _t.c.member_no)).all())
