"""Visitor passes' entries at this kiosk: how many each pass has had here and the last one.

The pass entrance reads a pass's usage, then counts an entry in the same write transaction
that records the entry's event (so two scans cannot both take a single-entry pass's last
entry), and gives it back only when the Gate proves the pulse never went out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, select, text, update

from kiosk.domain.passes import PassUsage
from lobby_core.sqlite import UTCDateTime

from .tables import PassUse

_t = PassUse.__table__
_GET = select(_t.c.entries, _t.c.last_entry_at).where(_t.c.pass_id == bindparam("p"))


def usage(conn: Connection, pass_id: int) -> PassUsage:
    row = conn.execute(_GET, {"p": pass_id}).first()
    return PassUsage() if row is None else PassUsage(int(row[0]), row[1])


# An upsert written as text: SQLAlchemy's SQLite ON CONFLICT construct has no cache key, so it
# was compiled again on every scan (about 1.4 ms of a scan's 6 ms, measured by bench_passes);
# a text() statement is compiled once. The bind types keep the stored format the column's.
_COUNT = text(
    "INSERT INTO pass_uses (pass_id, entries, last_entry_at, valid_until) "
    "VALUES (:p, 1, :at, :until) "
    "ON CONFLICT (pass_id) DO UPDATE SET entries = entries + 1, last_entry_at = excluded.last_entry_at"
).bindparams(bindparam("at", type_=UTCDateTime), bindparam("until", type_=UTCDateTime))


def count_entry(conn: Connection, pass_id: int, at: datetime, valid_until: datetime) -> None:
    conn.execute(_COUNT, {"p": pass_id, "at": at, "until": valid_until})


def refund_entry(conn: Connection, pass_id: int, before: PassUsage) -> None:
    """Undo count_entry: the pass is back to how it was before (entries and last entry)."""
    conn.execute(update(_t).where(_t.c.pass_id == pass_id, _t.c.entries > 0).values(
        entries=_t.c.entries - 1, last_entry_at=before.last_entry_at))


def purge_expired(conn: Connection, before: datetime) -> int:
    """Forget passes that expired before `before` (they can no longer be used anyway)."""
    return int(conn.execute(delete(_t).where(_t.c.valid_until < before)).rowcount)
