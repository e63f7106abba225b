"""Small key/value facts about the store, e.g. when the member list was last refreshed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .tables import Meta

_t = Meta.__table__
MEMBERS_AS_OF = "members_as_of"


_GET = select(_t.c.value).where(_t.c.key == bindparam("key"))


def get(conn: Connection, key: str) -> str | None:
    return conn.execute(_GET, {"key": key}).scalar()


def put(conn: Connection, key: str, value: str) -> None:
    stmt = sqlite_insert(_t).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[_t.c.key], set_={"value": value}))


def delete(conn: Connection, *keys: str) -> None:
    conn.execute(_t.delete().where(_t.c.key.in_(keys)))


def members_as_of(conn: Connection) -> datetime | None:
    raw = get(conn, MEMBERS_AS_OF)
    return None if raw is None else datetime.fromisoformat(raw)


def set_members_as_of(conn: Connection, at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("members_as_of must be an aware datetime")
    put(conn, MEMBERS_AS_OF, at.isoformat())
