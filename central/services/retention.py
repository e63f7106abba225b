"""Retention: purge visitors' personal fields a configured time after their visit ends.

The row stays for statistics with the name masked, the ID masked as it always was, and the
encrypted number, its hash and the mobile number gone. Invitations' visitor names go too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .. import identity
from ..context import Central
from ..models import Invitation, Visit, utcnow
from . import members

BATCH = 1000


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
                v.name = identity.mask_name(v.name or "")
                v.mobile = None
                v.id_number_enc = None
                v.id_hash = None
                v.purged_at = now
        total += len(batch)
        if len(batch) < BATCH:
            break
    with central.db.writing() as s:
        for inv in s.execute(
            select(Invitation).where(Invitation.valid_until < cutoff, Invitation.visitor_name != "")
        ).scalars():
            inv.visitor_name = identity.mask_name(inv.visitor_name)
    return total


def run_all(central: Central, now: datetime | None = None) -> dict[str, int]:
    """The hourly job: personal data, member tombstones."""
    return {
        "visits_purged": purge_personal_data(central, now),
        "tombstones_purged": members.purge_tombstones(central, now),
    }
