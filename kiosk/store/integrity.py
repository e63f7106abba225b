"""The database file's health for diagnostics: integrity check and sizes, read-only.

Opened with SQLite's read-only URI and no migrations, so a diagnosis never changes or creates
the file, and a damaged file is reported instead of stopping the caller: "file is not a
database" and friends become the result's `problem`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .database import BUSY_TIMEOUT_MS, DB_FILENAME

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
