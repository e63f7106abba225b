"""Hand out feed positions (cursors) that are strictly ordered by commit.

Why not an autoincrement id: on PostgreSQL two transactions can take ids 5 and 6 and commit as
6 then 5; a reader that saw 6 would move its cursor past 5 forever. Bumping a counter row
row-locks it until commit, so the next writer's positions are handed out only after ours are
visible. On SQLite writers are serialised anyway.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import Counter

MEMBERS = "members"
MEMBERS_FLOOR = "members_floor"  # cursors below this missed purged tombstones
UPDATES = "updates"
HOSTS = "hosts"  # the host directory's version: bumped on every change


def reserve(session: Session, name: str, n: int = 1) -> int:
    """Reserve `n` consecutive positions; returns the first. Holds the counter until commit."""
    row = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + n).returning(Counter.value)
    ).scalar_one_or_none()
    if row is None:
        session.add(Counter(name=name, value=n))
        session.flush()
        return 1
    return int(row) - n + 1


def current(session: Session, name: str) -> int:
    return int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one_or_none() or 0)


def set_at_least(session: Session, name: str, value: int) -> None:
    cur = session.get(Counter, name)
    if cur is None:
        session.add(Counter(name=name, value=value))
    elif cur.value < value:
        cur.value = value
