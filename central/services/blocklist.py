"""The visitor blocklist: entries hold a keyed hash and a masked copy of the ID number, never
the number itself; a new visit is flagged when its hash matches an active entry."""

from __future__ import annotations

from sqlalchemy import select

from lobby_core import identity

from ..context import Central
from ..errors import Invalid, NotFound
from ..models import BlocklistEntry, User, utcnow
from .visits import id_hash


def add(
    central: Central, user: User | None, id_type: str, id_number: str, reason: str, name: str | None = None
) -> int:
    try:
        number = identity.normalise(id_type, id_number)
    except identity.IdNumberError as exc:
        raise Invalid(str(exc), code="bad_id_number") from None
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise Invalid("a reason of 1 to 200 characters is required")
    if name is not None and len(name.strip()) > 100:
        raise Invalid("name must be at most 100 characters")
    with central.db.writing() as s:
        e = BlocklistEntry(
            id_type=id_type,
            id_hash=id_hash(central, id_type, number),
            id_masked=identity.mask(number),
            name=(name or "").strip() or None,
            reason=reason,
            created_by=user.id if user else None,
            created_at=utcnow(),
        )
        s.add(e)
        s.flush()
        return e.id


def remove(central: Central, entry_id: int) -> None:
    with central.db.writing() as s:
        e = s.get(BlocklistEntry, entry_id)
        if e is None or e.removed_at is not None:
            raise NotFound("no such blocklist entry")
        e.removed_at = utcnow()


def match(central: Central, id_type: str, id_number: str) -> BlocklistEntry | None:
    """The active entry for this ID, if any (invalid numbers never match)."""
    try:
        number = identity.normalise(id_type, id_number)
    except identity.IdNumberError:
        return None
    with central.db.reading() as s:
        return (
            s.execute(
                select(BlocklistEntry).where(
                    BlocklistEntry.id_hash == id_hash(central, id_type, number),
                    BlocklistEntry.removed_at.is_(None),
                )
            )
            .scalars()
            .first()
        )


def entries(central: Central) -> list[BlocklistEntry]:
    with central.db.reading() as s:
        return list(
            s.execute(
                select(BlocklistEntry)
                .where(BlocklistEntry.removed_at.is_(None))
                .order_by(BlocklistEntry.created_at.desc())
            ).scalars()
        )
