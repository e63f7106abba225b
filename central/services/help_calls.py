"""Help calls: a visitor at a kiosk presses "call for help"; the console shows the call live
with the kiosk's name until a receptionist takes it (who, when).

One call per need: a press while the kiosk's latest call is still open, or within
REPEAT_WINDOW of its last press (a receptionist may just have taken it and be on the way), is
the same call, with its press count raised. Any other press opens a new call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from ..context import Central
from ..errors import Conflict, NotFound
from ..models import HelpCall, Kiosk, User, utcnow

REPEAT_WINDOW = timedelta(minutes=1)
# Taken calls stay listed on the console this long, so the desk sees who went.
RECENT = timedelta(hours=1)
# Calls are an operational record, not personal data; older ones are deleted.
KEEP_FOR = timedelta(days=90)


@dataclass(frozen=True)
class Pressed:
    """What a kiosk gets back: the call's id, whether this press opened it, whether someone
    has taken it already."""

    call_id: int
    created: bool
    taken: bool


@dataclass(frozen=True)
class CallView:
    id: int
    kiosk: str
    created_at: datetime
    last_pressed_at: datetime
    presses: int
    taken_at: datetime | None
    taken_by: str | None


def press(central: Central, kiosk_id: int, now: datetime | None = None) -> Pressed:
    now = now or utcnow()
    with central.db.writing() as s:
        # The kiosk's row is locked first so two presses at once cannot both open a call
        # (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway).
        s.execute(select(Kiosk.id).where(Kiosk.id == kiosk_id).with_for_update())
        latest = s.execute(
            select(HelpCall).where(HelpCall.kiosk_id == kiosk_id).order_by(HelpCall.id.desc()).limit(1)
        ).scalar_one_or_none()
        if latest is not None and (latest.taken_at is None or now - latest.last_pressed_at < REPEAT_WINDOW):
            latest.presses += 1
            latest.last_pressed_at = max(latest.last_pressed_at, now)
            return Pressed(latest.id, created=False, taken=latest.taken_at is not None)
        call = HelpCall(kiosk_id=kiosk_id, created_at=now, last_pressed_at=now, presses=1)
        s.add(call)
        s.flush()
        return Pressed(call.id, created=True, taken=False)


def _views(rows: list[tuple[HelpCall, str]]) -> list[CallView]:
    return [CallView(c.id, name, c.created_at, c.last_pressed_at, c.presses, c.taken_at, c.taken_by_name)
            for c, name in rows]


def open_calls(central: Central) -> list[CallView]:
    """Calls nobody has taken, oldest first (the longest wait at the top)."""
    with central.db.reading() as s:
        rows = s.execute(
            select(HelpCall, Kiosk.name).join(Kiosk, Kiosk.id == HelpCall.kiosk_id)
            .where(HelpCall.taken_at.is_(None)).order_by(HelpCall.created_at, HelpCall.id)
        ).all()
    return _views([(c, n) for c, n in rows])


def recently_taken(central: Central, now: datetime | None = None) -> list[CallView]:
    """Calls taken within RECENT, newest first."""
    since = (now or utcnow()) - RECENT
    with central.db.reading() as s:
        rows = s.execute(
            select(HelpCall, Kiosk.name).join(Kiosk, Kiosk.id == HelpCall.kiosk_id)
            .where(HelpCall.taken_at >= since).order_by(HelpCall.taken_at.desc()).limit(50)
        ).all()
    return _views([(c, n) for c, n in rows])


def take(central: Central, call_id: int, user: User, now: datetime | None = None) -> CallView:
    """`user` goes to the kiosk: the call leaves the open list. Taking a call someone else took
    is Conflict (naming who), so two receptionists never both think the other one went."""
    now = now or utcnow()
    with central.db.writing() as s:
        row = s.execute(
            select(HelpCall, Kiosk.name).join(Kiosk, Kiosk.id == HelpCall.kiosk_id)
            .where(HelpCall.id == call_id).with_for_update(of=HelpCall)
        ).one_or_none()
        if row is None:
            raise NotFound("no such help call", code="no_help_call")
        call, kiosk = row
        if call.taken_at is not None:
            raise Conflict(f"{call.taken_by_name or 'someone'} took this call already", code="taken")
        call.taken_at, call.taken_by, call.taken_by_name = now, user.id, user.username
        return _views([(call, kiosk)])[0]


def purge(central: Central, now: datetime | None = None) -> int:
    """Delete calls older than KEEP_FOR; returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    with central.db.writing() as s:
        return s.execute(delete(HelpCall).where(HelpCall.created_at < cutoff)).rowcount or 0
