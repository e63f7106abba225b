"""Remote technician actions on a kiosk: queue a request (gate pulse, test slip, diagnostics
bundle), deliver it on the kiosk's updates feed, record the kiosk's answer, and keep every
request with who asked as the audit trail. A remote gate pulse opens a door: nothing here is
ever deleted by the service.

Delivery is at most once: the kiosk runs a request when the long-poll brings it and never again,
so a resent feed cannot open the gate twice. A request the kiosk has not answered by
`expires_at` (plus ANSWER_GRACE) reads as "no answer"; the kiosk itself refuses to run one that
reaches it after `expires_at` (a kiosk back online an hour later must not pulse the gate).
Bundles hold logs: the retention job deletes them after the retention period; the audit rows
stay.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..context import Central
from ..errors import Conflict, Invalid, NotFound
from ..models import Kiosk, KioskAction, KioskBundle, utcnow
from . import updates

ACTIONS: tuple[str, ...] = ("pulse", "print_test", "bundle")
UPDATE_KIND = "action"
# The kiosk must start a request within this long of it being asked, or not at all.
ACTION_TTL = timedelta(minutes=2)
# ...and answer within this much more (a bundle takes a few seconds to pack and upload).
ANSWER_GRACE = timedelta(minutes=1)
MAX_BUNDLE = 8 << 20  # bytes of tar.gz: logs and the report, not a disk image
MAX_DETAIL = 300
AUDIT_ROWS = 50


@dataclass(frozen=True)
class ActionView:
    id: int
    kiosk_id: int
    action: str
    requested_by: str
    requested_at: datetime
    state: str  # waiting | ok | failed | no_answer
    detail: str
    finished_at: datetime | None
    has_bundle: bool


def _state(a: KioskAction, now: datetime) -> str:
    if a.state == "waiting" and now > a.expires_at + ANSWER_GRACE:
        return "no_answer"
    return a.state


def request(central: Central, kiosk_id: int, action: str, requested_by: str) -> int:
    """Queue `action` for the kiosk and wake its long-poll; returns the request's id.

    Refused (Conflict) while the same action for the same kiosk is still waiting, so a
    double-click is one gate pulse, not two."""
    if action not in ACTIONS:
        raise Invalid(f"unknown kiosk action {action[:20]!r}", code="bad_action")
    now = utcnow()
    with central.db.writing() as s:
        k = s.get(Kiosk, kiosk_id)
        if k is None:
            raise NotFound("no such kiosk")
        if k.revoked_at is not None or k.token_hash is None:
            raise Conflict("the kiosk is not enrolled; it cannot be reached", code="kiosk_not_enrolled")
        waiting = s.execute(
            select(KioskAction).where(
                KioskAction.kiosk_id == kiosk_id,
                KioskAction.action == action,
                KioskAction.state == "waiting",
                KioskAction.expires_at > now - ANSWER_GRACE,  # else it reads "no answer"
            )
        ).first()
        if waiting is not None:
            raise Conflict("the same request to this kiosk is still waiting for its answer",
                           code="action_waiting")
        row = KioskAction(kiosk_id=kiosk_id, action=action, requested_by=requested_by[:64],
                          requested_at=now, expires_at=now + ACTION_TTL, state="waiting", detail="")
        s.add(row)
        s.flush()
        updates.push(central, s, kiosk_id, UPDATE_KIND, {
            "id": row.id, "action": action, "requested_by": row.requested_by,
            "expires_at": row.expires_at.isoformat(timespec="seconds"),
        })
        return row.id


def _own(s: Session, kiosk_id: int, action_id: int) -> KioskAction:
    a = s.get(KioskAction, action_id)
    if a is None or a.kiosk_id != kiosk_id:  # another kiosk's request is none of its business
        raise NotFound("no such request for this kiosk")
    return a


def record_result(central: Central, kiosk_id: int, action_id: int, ok: bool, detail: str) -> None:
    """The kiosk's answer to one of its requests. A repeat of the answer already stored is
    harmless (a retried POST); a different answer after the first is a Conflict."""
    detail = " ".join(detail.split())[:MAX_DETAIL]
    state = "ok" if ok else "failed"
    with central.db.writing() as s:
        a = _own(s, kiosk_id, action_id)
        if a.state != "waiting":
            if a.state == state and a.detail == detail:
                return
            raise Conflict("this request was answered already", code="action_answered")
        a.state, a.detail, a.finished_at = state, detail, utcnow()


def check_bundle(data: bytes) -> int:
    """The number of files in a tar.gz bundle; Invalid if it is not one."""
    if not data:
        raise Invalid("the bundle is empty", code="bad_bundle")
    if len(data) > MAX_BUNDLE:
        raise Invalid(f"the bundle is over {MAX_BUNDLE} bytes", code="bad_bundle")
    try:
        # Reading the members list only: nothing is extracted on central.
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            return len(tar.getmembers())
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, OSError, ValueError):
        raise Invalid("the bundle is not a tar.gz archive", code="bad_bundle") from None


def store_bundle(central: Central, kiosk_id: int, action_id: int, data: bytes) -> None:
    """A bundle the kiosk packed for a "bundle" request; answers that request as done."""
    files = check_bundle(data)
    with central.db.writing() as s:
        a = _own(s, kiosk_id, action_id)
        if a.action != "bundle":
            raise Conflict("this request did not ask for a bundle", code="not_a_bundle_request")
        if a.state != "waiting" or s.get(KioskBundle, action_id) is not None:
            raise Conflict("this request was answered already", code="action_answered")
        s.add(KioskBundle(action_id=action_id, data=data, received_at=utcnow()))
        a.state, a.finished_at = "ok", utcnow()
        a.detail = f"bundle received: {files} files, {max(1, len(data) // 1024)} KiB"


def history(central: Central, kiosk_id: int, limit: int = AUDIT_ROWS) -> list[ActionView]:
    """The kiosk's latest requests, newest first."""
    now = utcnow()
    with central.db.reading() as s:
        rows = s.execute(
            select(KioskAction)
            .where(KioskAction.kiosk_id == kiosk_id)
            .order_by(KioskAction.requested_at.desc(), KioskAction.id.desc())
            .limit(limit)
        ).scalars().all()
        with_bundle = set(
            s.execute(
                select(KioskBundle.action_id).where(KioskBundle.action_id.in_([r.id for r in rows]))
            ).scalars()
        )
        return [
            ActionView(r.id, r.kiosk_id, r.action, r.requested_by, r.requested_at, _state(r, now),
                       r.detail, r.finished_at, r.id in with_bundle)
            for r in rows
        ]


def bundle(central: Central, action_id: int) -> tuple[str, datetime, bytes]:
    """(kiosk name, when it was asked, the tar.gz) of a received bundle."""
    with central.db.reading() as s:
        row = s.execute(
            select(Kiosk.name, KioskAction.requested_at, KioskBundle.data)
            .join(KioskAction, KioskAction.id == KioskBundle.action_id)
            .join(Kiosk, Kiosk.id == KioskAction.kiosk_id)
            .where(KioskBundle.action_id == action_id)
        ).one_or_none()
    if row is None:
        raise NotFound("no such bundle")
    return row[0], row[1], row[2]


def purge_bundles(central: Central, now: datetime | None = None) -> int:
    """Delete bundles received longer ago than the retention period (they hold logs); the
    request and its answer stay in the audit trail. Returns how many were deleted."""
    cutoff = (now or utcnow()) - central.settings.retention
    with central.db.writing() as s:
        return s.execute(delete(KioskBundle).where(KioskBundle.received_at < cutoff)).rowcount or 0
