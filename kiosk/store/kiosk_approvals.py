"""Visits approved at this kiosk with a receptionist's PIN: the local record (who, when, the
pass the kiosk signed) and the queue of approvals central has not acknowledged yet.

A visit central never received keeps its (encrypted) registration until the approval goes
out with it (POST /visits with `kiosk_approval`); one central has already goes as an approval
of that visit id. Either way central's answer is then recorded like any decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from .names import NameCipher
from .tables import SyncVisit
from .visitors import IdNumberCipher, VisitorRequest, _request

_t = SyncVisit.__table__
# Where PIN approval may step in: not sent yet, waiting for reception, or expired unanswered.
APPROVABLE = ("queued", "pending", "expired")


@dataclass(frozen=True, slots=True)
class ApprovalToSend:
    client_id: str
    visit_id: int | None  # None: central has not got the visit yet
    request: VisitorRequest | None  # the registration, while central has not got it
    approved_by: str
    approved_at: datetime
    pass_text: str

    def to_wire(self) -> dict[str, str]:
        """The `kiosk_approval` body central takes."""
        return {"approved_by": self.approved_by, "approved_at": self.approved_at.isoformat(),
                "pass_text": self.pass_text}


def status(conn: Connection, client_id: str) -> str | None:
    return conn.execute(select(_t.c.status).where(_t.c.client_id == client_id)).scalar()


def party_size(conn: Connection, names: NameCipher, client_id: str) -> int | None:
    """The party size of a registration central has not got yet (its details are kept)."""
    blob = conn.execute(select(_t.c.request_enc).where(_t.c.client_id == client_id)).scalar()
    if blob is None:
        return None
    try:
        data = json.loads(names.decrypt(client_id, blob) or "null")
        return int(data["party_size"])
    except (ValueError, TypeError, KeyError):
        return None


def approve(conn: Connection, client_id: str, approved_by: str, at: datetime, pass_id: int,
            pass_text: str, pass_valid_until: datetime) -> None:
    conn.execute(update(_t).where(_t.c.client_id == client_id).values(
        status="approved", approved_by=approved_by, approved_at=at, approval_sent_at=None,
        deny_reason=None, pass_id=pass_id, pass_text=pass_text, pass_valid_until=pass_valid_until,
        updated_at=at))


def to_send(conn: Connection, names: NameCipher, ids: IdNumberCipher,
            limit: int = 20) -> list[ApprovalToSend]:
    """PIN approvals central has not acknowledged, oldest first."""
    rows = conn.execute(
        select(_t.c.client_id, _t.c.visit_id, _t.c.request_enc, _t.c.id_number_enc, _t.c.approved_by,
               _t.c.approved_at, _t.c.pass_text)
        .where(_t.c.approved_by.is_not(None), _t.c.approval_sent_at.is_(None))
        .order_by(_t.c.approved_at).limit(limit)
    ).all()
    out = []
    for client_id, visit_id, blob, id_blob, by, at, pass_text in rows:
        request = None
        if visit_id is None and blob is not None and id_blob is not None:
            try:
                data = json.loads(names.decrypt(client_id, blob) or "null")
            except ValueError:
                data = None
            request = _request(client_id, data, ids.decrypt(client_id, id_blob))
        out.append(ApprovalToSend(client_id, visit_id, request, by, at, pass_text or ""))
    return out


def mark_sent(conn: Connection, client_id: str, now: datetime) -> None:
    conn.execute(update(_t).where(_t.c.client_id == client_id).values(approval_sent_at=now))


def give_up(conn: Connection, client_id: str, now: datetime) -> None:
    """Central refused the approval for good: stop sending it. A registration central never got
    goes back to the queue, to reach reception as an ordinary one."""
    conn.execute(update(_t).where(_t.c.client_id == client_id).values(approval_sent_at=now))
    conn.execute(update(_t).where(
        _t.c.client_id == client_id, _t.c.visit_id.is_(None), _t.c.request_enc.is_not(None)
    ).values(status="queued"))
