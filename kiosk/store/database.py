"""Open the kiosk's SQLite file: WAL, synchronous=FULL, foreign keys, and honest transactions.

pysqlite's own implicit transactions are switched off (isolation_level=None) and SQLAlchemy's
"begin" emits BEGIN itself, so a migration's DDL and an access event's writes are each one
real SQLite transaction. Writers ask for BEGIN IMMEDIATE (the `write` execution option): it
takes the write lock up front, so two processes on one data_dir (entry and exit readers, the
sync job) wait on busy_timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine

from lobby_core.sqlite import SqlitePragmas, install_sqlite_setup

DB_FILENAME = "kiosk.db"
BUSY_TIMEOUT_MS = 10_000
WAL_AUTOCHECKPOINT_PAGES = 100
KIOSK_PRAGMAS = SqlitePragmas(
    # FULL: a committed access event survives a power cut, which is why it is written
    # before the turnstile opens. Costs one WAL fsync per commit.
    synchronous="FULL",
    busy_timeout_ms=BUSY_TIMEOUT_MS,
    # A small WAL that wraps early: once it has wrapped, commits overwrite blocks the
    # file already has, and fsync of an overwrite skips the filesystem's journal commit
    # (measured here: ~0.15 ms instead of ~4 ms per commit while the WAL still grows).
    wal_autocheckpoint_pages=WAL_AUTOCHECKPOINT_PAGES,
)


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        hide_parameters=True,  # a failed write's error text would carry the card UID into logs
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=4,
        max_overflow=4,
    )

    install_sqlite_setup(engine, KIOSK_PRAGMAS, immediate_option="write")
    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction (BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error)."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One read transaction: a consistent snapshot of the database."""
    with engine.connect() as conn, conn.begin():
        yield conn
