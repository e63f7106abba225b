"""Access events from kiosks: stored once per (kiosk, event id) however often a kiosk resends.

Newly stored events then update what they spend: a member's visits (overdraw.py) and a visitor
pass's entries (pass_entries.py); a visitor's passage that happened (granted, or unconfirmed:
the gate may have opened) checks the visit in or out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..context import Central
from ..models import AccessEvent, utcnow
from . import overdraw, pass_entries, visits

VISITOR_KINDS = ("visitor_entry", "visitor_exit")



@dataclass(frozen=True)
class EventIn:
    event_id: str
    occurred_at: datetime
    kind: str
    facility: str | None = None
    member_no: str | None = None
    pass_id: int | None = None
    visit_id: int | None = None
    outcome: str | None = None
    reason: str | None = None
    locker: str | None = None


def _insert(s: Session):  # type: ignore[no-untyped-def]
    return (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(AccessEvent)


def ingest(central: Central, kiosk_id: int, events: list[EventIn]) -> tuple[int, int]:
    """Store a batch; returns (newly stored, duplicates already stored)."""
    if not events:
        return 0, 0
    now = utcnow()
    # Dedupe within the batch first: ON CONFLICT cannot see two equal keys in one statement.
    unique = list({e.event_id: e for e in events}.values())
    rows = [
        {
            "kiosk_id": kiosk_id,
            "event_id": e.event_id,
            "occurred_at": e.occurred_at,
            "received_at": now,
            "kind": e.kind,
            "facility": e.facility,
            "member_no": e.member_no,
            "pass_id": e.pass_id,
            "visit_id": e.visit_id,
            "outcome": e.outcome,
            "reason": e.reason,
            "locker": e.locker,
        }
        for e in unique
    ]
    with central.db.writing() as s:
        stmt = _insert(s).on_conflict_do_nothing(index_elements=["kiosk_id", "event_id"])
        stored = set(s.execute(stmt.returning(AccessEvent.event_id), rows).scalars())
        for e in unique:
            if (e.event_id in stored and e.kind in VISITOR_KINDS and e.visit_id is not None
                    and pass_entries.passed(e.outcome)):
                visits.record_passage(s, e.visit_id, e.pass_id, e.kind, e.occurred_at)
        new = [e for e in unique if e.event_id in stored]
        overdraw.on_ingest(s, kiosk_id, new)
        pass_entries.on_ingest(s, kiosk_id, new)
    return len(stored), len(events) - len(stored)
