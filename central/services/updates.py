"""The per-kiosk updates feed the long-poll serves: decisions on that kiosk's visits, and
revocations broadcast to every kiosk. Positions come from a commit-ordered counter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import counters
from ..context import Central
from ..models import KioskUpdate, utcnow


def push(central: Central, session: Session, kiosk_id: int | None, kind: str, payload: dict[str, Any]) -> int:
    """Queue an update for `kiosk_id` (None: all kiosks) in `session`; wakes on commit."""
    seq = counters.reserve(session, counters.UPDATES)
    session.add(KioskUpdate(seq=seq, kiosk_id=kiosk_id, kind=kind, payload=payload, created_at=utcnow()))
    central.wakeups.publish(session, kiosk_id)
    return seq


def fetch(session: Session, kiosk_id: int, after: int, limit: int = 100) -> list[KioskUpdate]:
    return list(
        session.execute(
            select(KioskUpdate)
            .where(
                KioskUpdate.seq > after, or_(KioskUpdate.kiosk_id == kiosk_id, KioskUpdate.kiosk_id.is_(None))
            )
            .order_by(KioskUpdate.seq)
            .limit(limit)
        ).scalars()
    )


def latest(session: Session) -> int:
    return counters.current(session, counters.UPDATES)


def read(central: Central, kiosk_id: int, after: int, limit: int = 100) -> tuple[list[KioskUpdate], int]:
    """The kiosk's updates after `after` and the cursor to ask from next time. With nothing new
    the cursor stays, unless it is from the future (a restored database): then the present."""
    with central.db.reading() as s:
        rows = fetch(s, kiosk_id, after, limit)
        if rows:
            return rows, rows[-1].seq
        head = latest(s)
    return [], min(after, head)
