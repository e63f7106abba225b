"""Kiosk PIN hashes with their roles (as central last sent them) and the PIN lockouts.

Who may do what with a PIN: APPROVERS approve visitors, TECHNICIANS open technician mode; an
admin is both. Each use has its own lockout in `meta` ("pin.*" for visitor approval, "techpin.*"
for technician mode) so a restart does not clear it: wrong PINs in a row are counted for the
whole kiosk, whoever they were tried for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from . import meta
from .tables import ReceptionistPin

_t = ReceptionistPin.__table__
APPROVERS = frozenset({"receptionist", "admin"})
TECHNICIANS = frozenset({"technician", "admin"})
ROLES = APPROVERS | TECHNICIANS
# meta key prefix per use: visitor approval kept its original keys.
APPROVAL = "pin"
TECHNICIAN = "techpin"


@dataclass(frozen=True, slots=True)
class Lockout:
    failures: int  # wrong PINs in a row since the last success or the end of a lock
    locked_until: datetime | None


def put(conn: Connection, items: Iterable[tuple[str, str, str]]) -> int:
    """Replace every hash with central's current list of (user, hash, role); returns how many
    there are. A role this kiosk does not know is dropped (it opens nothing here)."""
    rows = [{"user": user, "pin_hash": pin_hash, "role": role}
            for user, pin_hash, role in items if role in ROLES]
    conn.execute(delete(_t))
    if rows:
        conn.execute(insert(_t), rows)
    return len(rows)


def pin_hash(conn: Connection, user: str, roles: frozenset[str] = APPROVERS) -> str | None:
    """`user`'s hash if their role is one of `roles`."""
    return conn.execute(select(_t.c.pin_hash).where(_t.c.user == user, _t.c.role.in_(roles))).scalar()


def users(conn: Connection, roles: frozenset[str] = APPROVERS) -> list[str]:
    return list(conn.execute(select(_t.c.user).where(_t.c.role.in_(roles)).order_by(_t.c.user)).scalars())


def hashes(conn: Connection, roles: frozenset[str]) -> list[tuple[str, str]]:
    """(user, hash) of every PIN with one of `roles`, by user."""
    return [(u, h) for u, h in conn.execute(
        select(_t.c.user, _t.c.pin_hash).where(_t.c.role.in_(roles)).order_by(_t.c.user))]


def lockout(conn: Connection, use: str = APPROVAL) -> Lockout:
    raw_failures, raw_until = meta.get(conn, f"{use}.failures"), meta.get(conn, f"{use}.locked_until")
    try:
        failures = max(0, int(raw_failures)) if raw_failures else 0
        until = datetime.fromisoformat(raw_until) if raw_until else None
    except ValueError:
        # A damaged record locks rather than unlocks: wrong PINs must not get a fresh count.
        return Lockout(0, datetime.max.replace(tzinfo=UTC)) if raw_until else Lockout(0, None)
    return Lockout(failures, until)


def set_lockout(conn: Connection, state: Lockout, use: str = APPROVAL) -> None:
    meta.put(conn, f"{use}.failures", str(state.failures))
    if state.locked_until is None:
        meta.delete(conn, f"{use}.locked_until")
    else:
        meta.put(conn, f"{use}.locked_until", state.locked_until.isoformat())
