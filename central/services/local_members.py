"""Members kiosks imported for themselves (`kiosk members import --local`), as each reports them.

A kiosk sends its whole list each time it changes; the list replaces what central had for that
kiosk. What arrives is already masked by the kiosk (number, masked name, status, facilities,
validity): central never holds a local member's full name or card. The console's members page
shows them, marked "local to kiosk K", so reception can find every member who opens a gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_, select

from ..context import Central
from ..models import Kiosk, KioskLocalMember, utcnow


@dataclass(frozen=True, slots=True)
class LocalMemberIn:
    member_no: str
    masked_name: str
    status: str
    facilities: tuple[str, ...]
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class LocalMemberRow:
    kiosk_id: int
    kiosk_name: str
    member_no: str
    masked_name: str
    status: str
    facilities: str
    valid_until: date | None
    reported_at: datetime


def replace_for_kiosk(central: Central, kiosk_id: int, items: Sequence[LocalMemberIn],
                      now: datetime | None = None) -> int:
    """This kiosk's local members are exactly `items` from now on; returns how many."""
    at = now or utcnow()
    with central.db.writing() as s:
        s.execute(delete(KioskLocalMember).where(KioskLocalMember.kiosk_id == kiosk_id))
        s.add_all(KioskLocalMember(
            kiosk_id=kiosk_id, member_no=m.member_no, masked_name=m.masked_name, status=m.status,
            facilities="|".join(m.facilities), valid_until=m.valid_until, reported_at=at)
            for m in items)
    return len(items)


def search(central: Central, text: str = "", limit: int = 50) -> list[LocalMemberRow]:
    """Local members whose number starts with, or kiosk name contains, `text` (console)."""
    text = text.strip()
    with central.db.reading() as s:
        stmt = select(KioskLocalMember, Kiosk.name).join(Kiosk, Kiosk.id == KioskLocalMember.kiosk_id)
        if text:
            esc = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(or_(KioskLocalMember.member_no.like(esc + "%", escape="\\"),
                                  Kiosk.name.like("%" + esc + "%", escape="\\")))
        rows = s.execute(stmt.order_by(KioskLocalMember.member_no, Kiosk.name)
                         .limit(max(1, min(limit, 1000)))).all()
        return [LocalMemberRow(kiosk_id=m.kiosk_id, kiosk_name=name, member_no=m.member_no,
                               masked_name=m.masked_name, status=m.status, facilities=m.facilities,
                               valid_until=m.valid_until, reported_at=m.reported_at)
                for m, name in rows]
