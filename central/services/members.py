"""Members: CSV import (upsert, optional replace), edits, search, and the kiosks' changes feed.

Every change stamps the member with the next feed position (counters.MEMBERS); a delete leaves
a tombstone. Tombstones older than the settings' tombstone retention are purged and the feed
floor raised: a kiosk whose cursor is below the floor has missed deletions and must resync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from lobby_core.members_csv import CsvFileError, MemberRecord, parse_csv

from .. import counters
from ..context import Central
from ..errors import Invalid, NotFound
from ..models import Member, utcnow

MAX_PAGE = 5000



@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)  # "line N: reason"


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, Any]]
    next_cursor: int
    has_more: bool
    reset: bool  # the cursor was too old (or from another database): start over from these items


def _fields(d: MemberRecord) -> dict[str, Any]:
    return {
        "name": d.name,
        "card_uids": "|".join(d.card_uids),
        "facilities": "|".join(d.facilities),
        "valid_from": d.valid_from,
        "valid_until": d.valid_until,
        "status": d.status,
        "visits_remaining": d.visits_remaining,
    }


def _apply(
    s: Session, rows: list[MemberRecord], replace: bool, result: ImportResult, lines: list[int] | None = None
) -> None:
    existing = {m.member_no: m for m in s.execute(select(Member)).scalars()}
    card_owner = {
        uid: m.member_no for m in existing.values() if not m.deleted for uid in m.card_uids.split("|") if uid
    }
    in_file = {d.member_no for d in rows}
    changes: list[tuple[Member | None, MemberRecord]] = []
    for i, d in enumerate(rows):
        clash = next(
            (
                card_owner[u]
                for u in d.card_uids
                if card_owner.get(u) not in (None, d.member_no)
                and (replace is False or card_owner[u] in in_file)
            ),
            None,
        )
        if clash is not None:
            where = f"line {lines[i]}: " if lines else ""
            result.errors.append(f"{where}a card of member {d.member_no} belongs to member {clash} already")
            continue
        old = existing.get(d.member_no)
        if old is not None and not old.deleted and all(getattr(old, k) == v for k, v in _fields(d).items()):
            result.unchanged += 1
            continue
        changes.append((old, d))
    gone = [m for no, m in existing.items() if replace and not m.deleted and no not in in_file]
    n = len(changes) + len(gone)
    if n == 0:
        return
    pos = counters.reserve(s, counters.MEMBERS, n)
    now = utcnow()
    for old, d in changes:
        if old is None:
            s.add(Member(member_no=d.member_no, version=pos, deleted=False, updated_at=now, **_fields(d)))
            result.created += 1
        else:
            for k, v in _fields(d).items():
                setattr(old, k, v)
            old.version, old.deleted, old.updated_at = pos, False, now
            result.updated += 1
        pos += 1
    for m in gone:
        _tombstone(m, pos, now)
        pos += 1
        result.deleted += 1


def _tombstone(m: Member, pos: int, now: datetime) -> None:
    m.version, m.deleted, m.updated_at = pos, True, now
    # The tombstone only needs the number; personal fields go at once.
    m.name, m.card_uids, m.facilities, m.visits_remaining = "", "", "", None


def import_csv(central: Central, data: bytes, replace: bool = False) -> ImportResult:
    """Import a members CSV (PRODUCT.md contract). Bad rows are reported by line and skipped;
    good rows are written in one transaction. With `replace`, members absent from the file are
    deleted. A file-level problem raises Invalid and changes nothing."""
    try:
        parsed = parse_csv(data)
    except CsvFileError as exc:
        raise Invalid(str(exc), code="bad_csv") from None
    result = ImportResult(errors=[str(e) for e in parsed.errors])
    rows = list(parsed.members)
    if replace and parsed.errors:
        # A bad row's member would otherwise be deleted as "absent from the file".
        raise Invalid(
            "replace refused: fix the bad rows first (" + "; ".join(result.errors[:5]) + ")", code="bad_rows"
        )
    with central.db.writing() as s:
        _apply(s, rows, replace, result, [r.line for r in parsed.members])
    return result


def import_records(central: Central, rows: list[MemberRecord], replace: bool = False) -> ImportResult:
    """Write validated members in one transaction (what import_csv does after parsing)."""
    result = ImportResult()
    with central.db.writing() as s:
        _apply(s, rows, replace, result)
    return result


def upsert(central: Central, member: MemberRecord) -> None:
    """Create or edit one member (the console's edit form)."""
    result = ImportResult()
    with central.db.writing() as s:
        _apply(s, [member], False, result)
    if result.errors:
        raise Invalid(result.errors[0], code="card_in_use")


def delete_member(central: Central, member_no: str) -> None:
    with central.db.writing() as s:
        m = s.execute(
            select(Member).where(Member.member_no == member_no, Member.deleted.is_(False))
        ).scalar_one_or_none()
        if m is None:
            raise NotFound("no such member")
        _tombstone(m, counters.reserve(s, counters.MEMBERS), utcnow())


def search(central: Central, text: str, limit: int = 50) -> list[Member]:
    """Members whose number, name or card starts with / contains `text` (console search)."""
    text = text.strip()
    with central.db.reading() as s:
        stmt = select(Member).where(Member.deleted.is_(False))
        if text:
            esc = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(
                or_(
                    Member.member_no.like(esc + "%", escape="\\"),
                    Member.name.like("%" + esc + "%", escape="\\"),
                    Member.card_uids.like("%" + esc.upper() + "%", escape="\\"),
                )
            )
        return list(s.execute(stmt.order_by(Member.member_no).limit(max(1, min(limit, 1000)))).scalars())


def get_member(central: Central, member_no: str) -> Member | None:
    """A member by number (None if unknown or deleted), for the console's edit form."""
    with central.db.reading() as s:
        return s.execute(
            select(Member).where(Member.member_no == member_no, Member.deleted.is_(False))
        ).scalar_one_or_none()


def standing(m: Member, today: date) -> str:
    """A member's validity as of `today` (the property's local date), as reception should read
    it: frozen or blocked as stored; an active member past valid_until (inclusive) "expired",
    before valid_from "not_yet_valid", else "active"."""
    if m.status != "active":
        return m.status
    if today > m.valid_until:
        return "expired"
    if today < m.valid_from:
        return "not_yet_valid"
    return "active"


def names_of(central: Central, member_nos: set[str]) -> dict[str, str]:
    """member number -> name, for those of `member_nos` that exist and are not deleted."""
    if not member_nos:
        return {}
    stmt = select(Member.member_no, Member.name).where(
        Member.member_no.in_(sorted(member_nos)), Member.deleted.is_(False)
    )
    with central.db.reading() as s:
        return {no: name for no, name in s.execute(stmt).all()}


def count(central: Central) -> int:
    with central.db.reading() as s:
        return int(
            s.execute(select(func.count()).select_from(Member).where(Member.deleted.is_(False))).scalar_one()
        )


_FEED_COLUMNS = (
    Member.member_no,
    Member.version,
    Member.deleted,
    Member.name,
    Member.card_uids,
    Member.facilities,
    Member.valid_from,
    Member.valid_until,
    Member.status,
    Member.visits_remaining,
)


def _item(row: Any) -> dict[str, Any]:
    no, version, deleted, name, cards, facilities, vf, vu, status, visits = row
    return {
        "member_no": no,
        "version": version,
        "deleted": deleted,
        "name": name,
        "card_uids": [u for u in cards.split("|") if u],
        "facilities": [f for f in facilities.split("|") if f],
        "valid_from": vf.isoformat(),
        "valid_until": vu.isoformat(),
        "status": status,
        "visits_remaining": visits,
    }


def feed(central: Central, after: int, limit: int = 1000) -> FeedPage:
    """Members changed after cursor `after` (0: everything), oldest change first."""
    limit = max(1, min(limit, MAX_PAGE))
    with central.db.reading() as s:
        floor = counters.current(s, counters.MEMBERS_FLOOR)
        head = counters.current(s, counters.MEMBERS)
        reset = after != 0 and (after < floor or after > head)
        if reset:
            after = 0
        # Plain rows, not ORM objects: a 100,000-member resync is mostly this loop.
        stmt = select(*_FEED_COLUMNS).where(Member.version > after).order_by(Member.version).limit(limit + 1)
        if after == 0:
            stmt = stmt.where(Member.deleted.is_(False))  # a fresh copy needs no tombstones
        rows = s.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return FeedPage(
        items=[_item(r) for r in rows], next_cursor=rows[-1][1] if rows else after, has_more=more, reset=reset
    )


def purge_tombstones(central: Central, now: datetime | None = None) -> int:
    """Drop tombstones past retention and raise the feed floor past them."""
    cutoff = (now or utcnow()) - central.settings.tombstone_retention
    with central.db.writing() as s:
        top = s.execute(
            select(func.max(Member.version)).where(Member.deleted.is_(True), Member.updated_at < cutoff)
        ).scalar_one()
        if top is None:
            return 0
        n = s.execute(delete(Member).where(Member.deleted.is_(True), Member.version <= top)).rowcount
        counters.set_at_least(s, counters.MEMBERS_FLOOR, int(top))
        return int(n or 0)
