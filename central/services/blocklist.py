"""The visitor blocklist: entries hold keyed hashes and a masked copy of the ID number, never
the number itself; a new visit is flagged when its number matches an active entry, whatever
document type either was entered under (central.services.id_rules has the hashes)."""

from __future__ import annotations

from sqlalchemy import select

from lobby_core.masking import mask_id_number

from ..context import Central
from ..errors import Invalid, NotFound
from ..models import BlocklistEntry, User, utcnow
from . import id_rules


def add(
    central: Central,
    user: User | None,
    id_type: str,
    id_number: str,
    reason: str,
    name: str | None = None,
    country: str | None = None,
) -> int:
    """Add an entry; `country` is needed for a passport, as when a visitor registers with one."""
    doc = id_rules.document(id_type, id_number, country)
    reason = id_rules.text(reason, "reason", max_length=200, multiline=True)
    name = id_rules.optional_text(name, "name")
    with central.db.writing() as s:
        e = BlocklistEntry(
            id_type=doc.id_type,
            id_hash=id_rules.canonical_hash(central, doc),
            kiosk_hash=id_rules.kiosk_hash(central, doc),
            id_masked=mask_id_number(doc.number),
            name=name,
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


def match(
    central: Central, id_type: str, id_number: str, country: str | None = None
) -> BlocklistEntry | None:
    """The active entry for this number under any document type, if any (invalid numbers never
    match). The issuer of a passport is not part of the blocklist key, so one given without its
    country is checked as issued anywhere (validation wants one: "CHN" stands in)."""
    issuer = country or ("CHN" if id_type == "passport" else None)
    try:
        doc = id_rules.document(id_type, id_number, issuer, strict=False)
    except Invalid:
        return None
    with central.db.reading() as s:
        return (
            s.execute(
                select(BlocklistEntry).where(
                    BlocklistEntry.id_hash.in_(id_rules.match_hashes(central, doc)),
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


def kiosk_list(central: Central) -> tuple[bytes, list[str]]:
    """What kiosks get: the derived kiosk key and the kiosk hashes of active entries. Entries made
    before canonical matching have none (their number is not recoverable); central still flags
    those visits when they arrive."""
    with central.db.reading() as s:
        hashes = s.execute(
            select(BlocklistEntry.kiosk_hash)
            .where(BlocklistEntry.removed_at.is_(None), BlocklistEntry.kiosk_hash.is_not(None))
            .order_by(BlocklistEntry.id)
        ).scalars()
        return central.secrets.kiosk_blocklist_key, sorted(set(hashes))
