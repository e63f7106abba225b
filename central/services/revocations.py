"""Withdrawn passes and invitations: recorded, broadcast to every kiosk's long-poll, and
listed (until the code expires) in the shape lobby_core.passes.RevocationList reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..context import Central
from ..models import Revocation, utcnow
from . import updates

KINDS = ("pass", "invitation")


def add(
    central: Central,
    s: Session,
    kind: str,
    ref_id: int,
    valid_until: datetime,
    reason: str,
    visit_id: int | None = None,
) -> None:
    """Record a revocation in `s` (once per code) and tell every kiosk on commit."""
    if kind not in KINDS:
        raise ValueError(kind)
    exists = s.execute(
        select(Revocation.id).where(Revocation.kind == kind, Revocation.ref_id == ref_id)
    ).first()
    if exists is not None:
        return
    s.add(
        Revocation(
            kind=kind,
            ref_id=ref_id,
            visit_id=visit_id,
            revoked_at=utcnow(),
            valid_until=valid_until,
            reason=reason.strip()[:200],
        )
    )
    updates.push(
        central, s, None, "revocation", {"kind": kind, "id": ref_id, "valid_until": valid_until.isoformat()}
    )


def current(central: Central, now: datetime | None = None) -> dict[str, Any]:
    """{"pass_ids": [...], "invitation_ids": [...], "cursor": N}: the live list and the updates
    cursor it is current to (a kiosk long-polls from there)."""
    now = now or utcnow()
    with central.db.reading() as s:
        cursor = updates.latest(s)
        rows = s.execute(select(Revocation.kind, Revocation.ref_id).where(Revocation.valid_until > now)).all()
    return {
        "pass_ids": sorted(r for k, r in rows if k == "pass"),
        "invitation_ids": sorted(r for k, r in rows if k == "invitation"),
        "cursor": cursor,
    }
