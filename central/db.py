"""Open the database (SQLite in WAL mode, or PostgreSQL) and hand out read and write sessions.

On SQLite a write transaction starts with BEGIN IMMEDIATE: a deferred transaction that reads
first and writes later can fail at once with "database is locked" when another writer got in
between, instead of waiting out busy_timeout. Reads stay deferred so they never queue.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lobby_core.sqlite import SqlitePragmas, install_sqlite_setup

# Zero freed space (secure_delete), so purged personal data does not stay readable in the file.
CENTRAL_PRAGMAS = SqlitePragmas(synchronous="NORMAL", busy_timeout_ms=30_000, secure_delete=True)


class DatabaseError(Exception):
    """The database cannot be opened or migrated."""


class DatabaseMissing(DatabaseError):
    """A command that only works on an existing database was pointed at none (a typo in
    --data-dir or --database-url must not quietly start an empty one)."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def shown_url(url: str) -> str:
    """The URL as messages may show it: never its password."""
    return make_url(url).render_as_string(hide_password=True)


def make_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) with the last level 0700 whatever the umask; an
    existing directory is left as its owner set it."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)  # mkdir's mode passes through the umask


def create_sqlite_file(path: Path) -> bool:
    """Create an empty database file 0600 before SQLite opens it: SQLite would create it with
    the umask's mode (often 0644), and its -wal and -shm files copy the main file's mode.
    False if it existed already."""
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return True


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            create_sqlite_file(path)
        engine = create_engine(
            url,
            hide_parameters=True,  # error texts would carry names, mobiles, card UIDs into logs
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=20,
            max_overflow=60,
        )

        install_sqlite_setup(engine, CENTRAL_PRAGMAS, immediate_option="sqlite_immediate")
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_size=20, max_overflow=60, pool_pre_ping=True,
                             hide_parameters=True)
    raise DatabaseError(f"unsupported database backend {parsed.get_backend_name()!r}")


class Database:
    """An engine plus the two kinds of session the services use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_bind, expire_on_commit=False)
        # Called after a write transaction commits with what it asked to wake (see wakeups.py).
        self.after_commit: Callable[[set[str]], None] | None = None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on an exception."""
        with self._write() as session:
            with session.begin():
                yield session
            wake = session.info.pop("wake", None)
            if wake and self.after_commit is not None:
                self.after_commit(wake)

    def dispose(self) -> None:
        self.engine.dispose()
