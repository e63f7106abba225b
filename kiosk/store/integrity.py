"""The database file's health for diagnostics: integrity check, sizes and counts, read-only.

Opened with SQLite's read-only URI and no migrations, so a diagnosis never changes or creates
the file, and a damaged file is reported instead of stopping the caller: "file is not a
database" and friends become the result's `problem`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from . import events, meta
from .database import BUSY_TIMEOUT_MS, DB_FILENAME
from .tables import AccessEvent, Member

MAX_PROBLEMS = 3  # integrity_check stops after this many; the first says enough


@dataclass(frozen=True)
class DatabaseFacts:
    path: Path
    exists: bool
    problem: str = ""  # "" when integrity_check said ok
    db_bytes: int = 0
    wal_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.exists and not self.problem


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def inspect(data_dir: Path | str) -> DatabaseFacts:
    path = Path(data_dir) / DB_FILENAME
    if not path.exists():
        return DatabaseFacts(path, exists=False)
    sizes = {"db_bytes": _size(path), "wal_bytes": _size(path.with_name(path.name + "-wal"))}
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return DatabaseFacts(path, True, f"cannot open: {exc}", **sizes)
    try:
        rows = conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
    except sqlite3.Error as exc:
        return DatabaseFacts(path, True, str(exc), **sizes)
    finally:
        conn.close()
    found = [str(r[0]) for r in rows]
    problem = "" if found == ["ok"] else "; ".join(found)[:200]
    return DatabaseFacts(path, True, problem, **sizes)


@dataclass(frozen=True)
class StoreCounts:
    backlog: int  # as Tx.backlog counts it: events central has not acknowledged
    members: int
    members_as_of: datetime | None
    last_tap_at: datetime | None = None  # the newest card event (a pass scan has a pass_id)
    last_scan_at: datetime | None = None


def counts(conn: Connection) -> StoreCounts:
    """The figures diagnostics shows, on any connection (the kiosk's own, or read_counts')."""
    members = conn.execute(select(func.count()).select_from(Member)).scalar_one()
    at = AccessEvent.at
    last_tap = conn.execute(select(func.max(at)).where(AccessEvent.pass_id.is_(None))).scalar()
    last_scan = conn.execute(select(func.max(at)).where(AccessEvent.pass_id.is_not(None))).scalar()
    return StoreCounts(events.backlog(conn), int(members), meta.members_as_of(conn),
                       _aware(last_tap), _aware(last_scan))


def _aware(value: datetime | str | None) -> datetime | None:
    """max() over a UTCDateTime column comes back as SQLite's text, not through the type."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def read_counts(data_dir: Path | str) -> StoreCounts | None:
    """Without a running kiosk: the figures read-only, without opening the Store (which would
    run migrations, and load the name cipher and the pinyin tables diag never needs). None
    when the file is missing or cannot be read (its integrity check says why)."""
    path = Path(data_dir) / DB_FILENAME
    if not path.exists():
        return None
    engine = create_engine(f"sqlite+pysqlite:///{path.as_uri()}?mode=ro&uri=true",
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    try:
        with engine.connect() as conn:
            return counts(conn)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
