"""Bring the store's schema to the head revision with the Alembic scripts shipped in the package.

Runs on every start. An older database is upgraded in one transaction after a backup copy is
taken next to it; a database from a newer build (an unknown revision) stops start-up with a
clear error instead of being touched. Nothing here ever drops a table with data.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from .errors import StoreError

log = logging.getLogger(__name__)
SCRIPTS = Path(__file__).with_name("migrations")


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def head() -> str:
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _backup(db_path: Path, rev: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = db_path.with_name(f"{db_path.name}.before-upgrade-from-{rev}-{stamp}")
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # consistent copy even with WAL and other readers
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade(engine: Engine, db_path: Path | None = None, revision: str = "head") -> str:
    """Upgrade to `revision` (default head); returns the revision the database is now at."""
    scripts = ScriptDirectory.from_config(_config())
    known = {s.revision for s in scripts.walk_revisions()}
    rev = current(engine)
    if rev is not None and rev not in known:
        raise StoreError(
            f"the database is at schema revision {rev!r}, which this build does not know "
            f"(newest known: {scripts.get_current_head()}); it was written by a newer version "
            "of the kiosk software. Install that version again; the database was not changed."
        )
    target = scripts.get_current_head() if revision == "head" else revision
    if rev == target:
        return rev
    if rev is not None and db_path is not None and db_path.exists():
        copy = _backup(db_path, rev)
        log.info("store: upgrading schema %s -> %s (backup %s)", rev, target, copy.name)
    cfg = _config()
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    now = current(engine)
    assert now is not None
    return now
