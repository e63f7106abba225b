"""Retention: purge visitors' personal fields a configured time after their visit ends.

The row stays for statistics with the name masked, the ID masked as it always was, and the
encrypted number, its hash, the mobile number, the free-text purpose and deny reason (people
write names there) and the request digest (a keyed hash of ID number, name and mobile) gone.
Invitations' visitor names go too; kiosk updates (decision records carry deny reasons) older
than the period are deleted; blocklist entries removed longer ago lose their name and ID hash.
On SQLite the WAL is then checkpointed and truncated, so old page images do not linger there
(the database itself zeroes freed space: secure_delete, see db.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from lobby_core.masking import mask_name

from ..context import Central
from ..models import BlocklistEntry, Invitation, KioskUpdate, Visit, utcnow
from . import help_calls, members, remote

BATCH = 1000
log = logging.getLogger(__name__)


def _scrub(v: Visit) -> None:
    v.name = mask_name(v.name or "")
    v.mobile = None
    v.id_number_enc = None
    v.id_hash = None
    v.purpose = ""
    v.deny_reason = None
    # Blank, not random: a kiosk retrying this client id now gets "used for a different visit".
    v.request_digest = ""


def purge_personal_data(central: Central, now: datetime | None = None) -> int:
    """Purge every visit whose end is older than the retention period; returns how many."""
    now = now or utcnow()
    cutoff = now - central.settings.retention
    total = 0
    while True:
        with central.db.writing() as s:
            batch = list(
                s.execute(
                    select(Visit)
                    .where(Visit.purged_at.is_(None), Visit.ends_at.is_not(None), Visit.ends_at < cutoff)
                    .limit(BATCH)
                ).scalars()
            )
            for v in batch:
                _scrub(v)
                v.purged_at = now
        total += len(batch)
        if len(batch) < BATCH:
            break
    with central.db.writing() as s:
        # Rows purged by versions that kept purpose, deny reason and digest.
        s.execute(
            update(Visit)
            .where(
                Visit.purged_at.is_not(None),
                or_(Visit.purpose != "", Visit.deny_reason.is_not(None), Visit.request_digest != ""),
            )
            .values(purpose="", deny_reason=None, request_digest="")
        )
        for inv in s.execute(
            select(Invitation).where(Invitation.valid_until < cutoff, Invitation.visitor_name != "")
        ).scalars():
            inv.visitor_name = mask_name(inv.visitor_name)
    return total


def purge_kiosk_updates(central: Central, now: datetime | None = None) -> int:
    """Delete long-poll updates older than the retention period; returns how many. Kiosks that
    were offline that long lose nothing: they re-read their visits and the revocation list."""
    cutoff = (now or utcnow()) - central.settings.retention
    with central.db.writing() as s:
        return s.execute(delete(KioskUpdate).where(KioskUpdate.created_at < cutoff)).rowcount or 0


def purge_removed_blocklist(central: Central, now: datetime | None = None) -> int:
    """Blocklist entries removed longer ago than the retention period keep only their masked
    ID, reason and dates (for the record); returns how many were cleared."""
    cutoff = (now or utcnow()) - central.settings.retention
    with central.db.writing() as s:
        result = s.execute(
            update(BlocklistEntry)
            .where(
                BlocklistEntry.removed_at.is_not(None),
                BlocklistEntry.removed_at < cutoff,
                or_(
                    BlocklistEntry.name.is_not(None),
                    BlocklistEntry.id_hash != "",
                    BlocklistEntry.kiosk_hash.is_not(None),
                ),
            )
            # "" never equals a hex HMAC, and matching only looks at active entries anyway.
            .values(name=None, id_hash="", kiosk_hash=None)
        )
        return result.rowcount or 0


def _truncate_wal(central: Central) -> None:
    if not central.db.is_sqlite:
        return
    with central.db.engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    if busy and busy[0]:
        # Readers held the WAL; the next run tries again.
        log.info("retention: WAL checkpoint deferred, readers active")


def run_all(central: Central, now: datetime | None = None) -> dict[str, int]:
    """The hourly job: personal data, kiosk updates, removed blocklist entries, tombstones,
    technicians' diagnostics bundles."""
    result = {
        "visits_purged": purge_personal_data(central, now),
        "kiosk_updates_deleted": purge_kiosk_updates(central, now),
        "blocklist_entries_purged": purge_removed_blocklist(central, now),
        "tombstones_purged": members.purge_tombstones(central, now),
        "kiosk_bundles_purged": remote.purge_bundles(central, now),
        "help_calls_deleted": help_calls.purge(central, now),
    }
    _truncate_wal(central)
    return result
