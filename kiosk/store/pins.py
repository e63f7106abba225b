"""Receptionists' kiosk PIN hashes (as central last sent them) and the PIN lockout state.

The lockout lives in `meta` ("pin.failures", "pin.locked_until") so a restart does not clear
it: wrong PINs in a row are counted for the whole kiosk, whoever they were tried for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from . import meta
from .tables import ReceptionistPin

_t = ReceptionistPin.__table__
FAILURES = "pin.failures"
LOCKED_UNTIL = "pin.locked_until"


@dataclass(frozen=True, slots=True)
class Lockout:
    failures: int  # wrong PINs in a row since the last success or the end of a lock
    locked_until: datetime | None


def put(conn: Connection, items: Iterable[tuple[str, str]]) -> int:
    """Replace every hash with central's current list; returns how many there are."""
    rows = [{"user": user, "pin_hash": pin_hash} for user, pin_hash in items]
    conn.execute(delete(_t))
    if rows:
        conn.execute(insert(_t), rows)
    return len(rows)


def pin_hash(conn: Connection, user: str) -> str | None:
    return conn.execute(select(_t.c.pin_hash).where(_t.c.user == user)).scalar()


def users(conn: Connection) -> list[str]:
    return list(conn.execute(select(_t.c.user).order_by(_t.c.user)).scalars())


def lockout(conn: Connection) -> Lockout:
    raw_failures, raw_until = meta.get(conn, FAILURES), meta.get(conn, LOCKED_UNTIL)
    try:
        failures = max(0, int(raw_failures)) if raw_failures else 0
        until = datetime.fromisoformat(raw_until) if raw_until else None
    except ValueError:
        # A damaged record locks rather than unlocks: wrong PINs must not get a fresh count.
        return Lockout(0, datetime.max.replace(tzinfo=UTC)) if raw_until else Lockout(0, None)
    return Lockout(failures, until)


def set_lockout(conn: Connection, state: Lockout) -> None:
    meta.put(conn, FAILURES, str(state.failures))
    if state.locked_until is None:
        meta.delete(conn, LOCKED_UNTIL)
    else:
        meta.put(conn, LOCKED_UNTIL, state.locked_until.isoformat())
