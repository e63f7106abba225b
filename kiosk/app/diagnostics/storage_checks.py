"""Storage and sync checks: the database's integrity, free disk, database and WAL size; the
last sync, the backlog, and how many members the kiosk knows and how old that list is."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_client import status as sync_status
from kiosk.store.integrity import DatabaseFacts, StoreCounts
from lobby_core.diagnostics import Check

from .make import FAIL, PASS, WARN, age, check, one_line

if TYPE_CHECKING:
    from kiosk.store import Store

__all__ = ["StoreCounts", "counts", "storage_checks", "sync_checks"]

MB = 2**20
DISK_LOW_MB = 200
DISK_FAIL_MB = 20  # below this SQLite's next checkpoint may fail
WAL_LARGE_MB = 64
BACKLOG_HIGH = 200
SYNC_STALE = timedelta(minutes=30)
MEMBERS_STALE = timedelta(hours=24)


def counts(store: Store) -> StoreCounts:
    """The running kiosk's figures, through its open store."""
    with store.read() as tx:
        return tx.diag_counts()


def storage_checks(data_dir: Path, facts: DatabaseFacts) -> list[Check]:
    out: list[Check] = []
    if not facts.exists:
        out.append(check("storage.integrity", WARN, "storage.no_database", data_dir=data_dir))
    elif facts.problem:
        out.append(check("storage.integrity", FAIL, "storage.corrupt",
                         detail=one_line(facts.problem, 120), path=facts.path))
    else:
        out.append(check("storage.integrity", PASS, "storage.integrity_ok"))
    probe = data_dir if data_dir.exists() else data_dir.parent
    try:
        free_mb = shutil.disk_usage(probe).free // MB
    except OSError as exc:
        out.append(check("storage.disk", FAIL, "storage.disk_unreadable", data_dir=data_dir,
                         reason=exc.strerror or str(exc)))
    else:
        status = FAIL if free_mb < DISK_FAIL_MB else WARN if free_mb < DISK_LOW_MB else PASS
        out.append(check("storage.disk", status,
                         "storage.disk_ok" if status is PASS else "storage.disk_low",
                         free_mb=free_mb))
    if facts.exists:
        wal_mb = facts.wal_bytes / MB
        sizes = {"db_mb": f"{facts.db_bytes / MB:.1f}", "wal_mb": f"{wal_mb:.1f}"}
        if wal_mb > WAL_LARGE_MB:
            out.append(check("storage.size", WARN, "storage.wal_large", wal_mb=sizes["wal_mb"]))
        else:
            out.append(check("storage.size", PASS, "storage.size", **sizes))
    return out


def _when(text: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def sync_checks(data_dir: Path, store_counts: StoreCounts | None, now: datetime, *,
                members_stale: timedelta = MEMBERS_STALE, has_database: bool = True
                ) -> list[Check]:
    """`members_stale`: [access] stale_after_h, when the kiosk starts acting on an old list."""
    st = sync_status.read(data_dir, backlog=store_counts.backlog if store_counts else None)
    error = one_line(st.get("last_error") or "no error recorded", 120)
    last = _when(st.get("last_success_at")) if st.get("last_success_at") else None
    state = st.get("state")
    if state == "not_enrolled":
        out = [check("sync.last", WARN, "sync.not_enrolled")]
    elif state == "not_authorised":
        out = [check("sync.last", FAIL, "sync.not_authorised")]
    elif last is None:
        out = [check("sync.last", WARN, "sync.failing" if state == "error" else "sync.never",
                     error=error)]
    elif now - last > SYNC_STALE:
        out = [check("sync.last", WARN, "sync.stale", age=age(now - last), error=error)]
    elif state == "error":
        out = [check("sync.last", WARN, "sync.failing", error=error)]
    else:
        out = [check("sync.last", PASS, "sync.ok", at=last.isoformat(timespec="seconds"),
                     age=f"{age(now - last)} ago")]
    backlog = int(st.get("backlog") or 0)
    out.append(check("sync.backlog", WARN if backlog > BACKLOG_HIGH else PASS,
                     "sync.backlog_high" if backlog > BACKLOG_HIGH else "sync.backlog_ok",
                     count=backlog))
    if store_counts is None and not has_database:
        out.append(check("sync.members", WARN, "sync.no_members"))
    elif store_counts is None:
        out.append(check("sync.members", WARN, "sync.unknown",
                         reason="the database cannot be read"))
    elif store_counts.members == 0:
        out.append(check("sync.members", WARN, "sync.no_members"))
    else:
        as_of = store_counts.members_as_of
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        old = as_of is None or now - as_of > members_stale
        out.append(check("sync.members", WARN if old else PASS,
                         "sync.members_stale" if old else "sync.members_ok",
                         count=store_counts.members,
                         age=age(now - as_of) if as_of else "an unknown time"))
    return out
