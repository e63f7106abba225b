"""SQL pieces both databases share: the UTC timestamp column type and the SQLite connection set-up.

The kiosk's and central's stored bytes must not change (kiosks in the field have databases in
this format), so each side passes what differs (PRAGMAs, the option that asks for a write
transaction) and this module does the rest the same way for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import DateTime, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC (SQLite has no zones; its text sorts in time order)
    and always read back aware (UTC). A naive datetime is refused: its zone would be a guess."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SqlitePragmas:
    """What differs between the kiosk's and central's SQLite files."""

    synchronous: Literal["FULL", "NORMAL"]
    busy_timeout_ms: int
    wal_autocheckpoint_pages: int | None = None  # None: SQLite's default
    secure_delete: bool = False


def install_sqlite_setup(engine: Engine, pragmas: SqlitePragmas, *, immediate_option: str) -> None:
    """Set every new connection up (WAL, foreign keys, `pragmas`) and let SQLAlchemy, not
    pysqlite, begin transactions: BEGIN IMMEDIATE when the connection's execution option
    `immediate_option` is true (a writer takes the lock up front and waits out busy_timeout
    instead of failing on a lock upgrade), plain BEGIN otherwise."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={pragmas.synchronous}")
        if pragmas.wal_autocheckpoint_pages is not None:
            cur.execute(f"PRAGMA wal_autocheckpoint={int(pragmas.wal_autocheckpoint_pages)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(pragmas.busy_timeout_ms)}")
        if pragmas.secure_delete:
            cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(immediate_option, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
