"""Members, their cards, entitlements and freezes: lookup by card UID and import (upsert).

Lookup is the entrance's hot path: one indexed join by card UID, then the member's few
entitlements and freezes, all by primary or indexed key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.domain.model import Entitlement, Freeze, Member, MemberStatus
from lobby_core.masking import mask_uid
from lobby_core.members_csv import MemberRecord, RowError

from .names import NameCipher
from .tables import Card
from .tables import Entitlement as EntitlementRow
from .tables import Freeze as FreezeRow
from .tables import Member as MemberRow

_m = MemberRow.__table__
_c = Card.__table__
_e = EntitlementRow.__table__
_f = FreezeRow.__table__
CHUNK = 500  # well under SQLite's bound-parameter limit
IMPORT_SLICE = 20_000


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    errors: tuple[RowError, ...]  # rows refused by the store (e.g. a card owned by another member)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# The hot path's statements are built once: building a select per call costs ~0.1 ms of
# SQLAlchemy work, several times the SQLite lookup itself.
_MEMBER_COLS = (_m.c.member_no, _m.c.name_enc, _m.c.status, _m.c.visits_remaining)
_BY_UID = select(*_MEMBER_COLS).join(_c, _c.c.member_no == _m.c.member_no).where(
    _c.c.uid == bindparam("uid"))
_BY_NO = select(*_MEMBER_COLS).where(_m.c.member_no == bindparam("no"))
_ENTS = select(_e.c.facility, _e.c.valid_from, _e.c.valid_until).where(
    _e.c.member_no == bindparam("no"))
_FREEZES = select(_f.c.start, _f.c.end).where(_f.c.member_no == bindparam("no"))


def by_uid(conn: Connection, cipher: NameCipher, uid: str) -> Member | None:
    row = conn.execute(_BY_UID, {"uid": uid}).first()
    return None if row is None else _member(conn, cipher, row)


def by_member_no(conn: Connection, cipher: NameCipher, member_no: str) -> Member | None:
    row = conn.execute(_BY_NO, {"no": member_no}).first()
    return None if row is None else _member(conn, cipher, row)


def _member(conn: Connection, cipher: NameCipher, row: object) -> Member:
    member_no, name_enc, status, visits = row  # type: ignore[misc]
    ents = conn.execute(_ENTS, {"no": member_no}).all()
    freezes = conn.execute(_FREEZES, {"no": member_no}).all()
    return Member(
        member_no=member_no,
        name=cipher.decrypt(member_no, name_enc),
        status=MemberStatus(status),
        entitlements=tuple(Entitlement(f, a, b) for f, a, b in ents),
        freezes=tuple(Freeze(a, b) for a, b in freezes),
        visits_remaining=visits,
    )


def consume_visit(conn: Connection, member_no: str) -> int | None:
    """Decrement a visit package; returns what is left (None = unlimited).

    Guarded so a count never goes below zero even if the caller decided on stale state.
    """
    row = conn.exec_driver_sql(
        "UPDATE members SET visits_remaining = visits_remaining - 1 "
        "WHERE member_no = ? AND visits_remaining > 0 RETURNING visits_remaining",
        (member_no,),
    ).first()
    if row is not None:
        return int(row[0])
    left = conn.execute(select(_m.c.visits_remaining).where(_m.c.member_no == member_no)).scalar()
    if left is not None:
        raise ValueError(f"member {member_no} has no visits left to consume")
    return None


def refund_visit(conn: Connection, member_no: str) -> None:
    conn.exec_driver_sql(
        "UPDATE members SET visits_remaining = visits_remaining + 1 "
        "WHERE member_no = ? AND visits_remaining IS NOT NULL",
        (member_no,),
    )


def _owners(conn: Connection, uids: Sequence[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for chunk in _chunks(uids):
        owners.update(conn.execute(select(_c.c.uid, _c.c.member_no).where(_c.c.uid.in_(chunk))).all())
    return owners


def refuse_card_clashes(
    conn: Connection, records: Sequence[MemberRecord], elsewhere_in_file: frozenset[str] = frozenset()
) -> tuple[list[MemberRecord], list[RowError]]:
    """The rows that may be written, and a RowError for each refused one.

    A card that belongs to a member NOT in the file is refused: moving a card silently from
    one member to another is how a typo lets the wrong person in. `elsewhere_in_file` names
    accepted members of the same file written in other slices: taking a card from them is a
    move within the file.
    """
    accepted = list(records)
    all_uids = sorted({u for r in accepted for u in r.card_uids})
    owners = _owners(conn, all_uids)
    errors: list[RowError] = []
    while True:  # refusing a row keeps its member's old cards, which can refuse another row
        in_file = {r.member_no for r in accepted} | elsewhere_in_file
        keep: list[MemberRecord] = []
        for r in accepted:
            clash = next((u for u in r.card_uids
                          if owners.get(u) not in (None, r.member_no) and owners[u] not in in_file),
                         None)
            if clash is None:
                keep.append(r)
            else:
                errors.append(RowError(r.line, f"card {mask_uid(clash)} belongs to member "
                                                f"{owners[clash]}, who is not in this file"))
        if len(keep) == len(accepted):
            return accepted, errors
        accepted = keep


def encrypt_names(cipher: NameCipher, records: Sequence[MemberRecord]) -> dict[str, bytes]:
    """Each member's encrypted name, done before the write lock is taken (it is the slow part)."""
    return {r.member_no: cipher.encrypt(r.member_no, r.name) for r in records}


def import_records(
    conn: Connection, cipher: NameCipher, records: Sequence[MemberRecord], now: datetime, *,
    names: dict[str, bytes] | None = None, elsewhere_in_file: frozenset[str] = frozenset(),
) -> ImportResult:
    """Upsert members by member_no (members not in the file are kept).

    The file is authoritative for each listed member's name, status, visits, cards and
    entitlements; freezes come from the central service and are left alone. Card clashes
    are refused (see refuse_card_clashes). `names` are the names already encrypted.
    """
    accepted, errors = refuse_card_clashes(conn, records, elsewhere_in_file)
    nos = [r.member_no for r in accepted]
    existing: set[str] = set()
    for chunk in _chunks(nos):
        existing.update(conn.execute(select(_m.c.member_no).where(_m.c.member_no.in_(chunk))).scalars())
    stmt = sqlite_insert(_m)
    upsert = stmt.on_conflict_do_update(
        index_elements=[_m.c.member_no],
        set_={c: stmt.excluded[c] for c in ("name_enc", "status", "visits_remaining", "updated_at")},
    )
    # In slices, so a million-member file never holds all its parameter rows at once.
    for i in range(0, len(accepted), IMPORT_SLICE):
        part = accepted[i : i + IMPORT_SLICE]
        conn.execute(upsert, [
            {"member_no": r.member_no,
             "name_enc": names[r.member_no] if names else cipher.encrypt(r.member_no, r.name),
             "status": r.status, "visits_remaining": r.visits_remaining, "updated_at": now}
            for r in part
        ])
        for chunk in _chunks([r.member_no for r in part]):
            conn.execute(delete(_c).where(_c.c.member_no.in_(chunk)))
            conn.execute(delete(_e).where(_e.c.member_no.in_(chunk)))
    # Cards after every member's old cards are gone: a card may move between two members
    # that sit in different slices.
    for i in range(0, len(accepted), IMPORT_SLICE):
        part = accepted[i : i + IMPORT_SLICE]
        cards = [{"uid": u, "member_no": r.member_no} for r in part for u in r.card_uids]
        # A card moving from a member written in another slice (or transaction) of this file.
        for chunk in _chunks([c["uid"] for c in cards]):
            conn.execute(delete(_c).where(_c.c.uid.in_(chunk)))
        if cards:
            conn.execute(insert(_c), cards)
        ents = [{"member_no": r.member_no, "facility": f, "valid_from": r.valid_from,
                 "valid_until": r.valid_until} for r in part for f in r.facilities]
        if ents:
            conn.execute(insert(_e), ents)
    errors.sort(key=lambda e: e.line)
    return ImportResult(len(accepted) - len(existing), len(existing), tuple(errors))


def set_freezes(conn: Connection, member_no: str, freezes: Iterable[Freeze]) -> None:
    conn.execute(delete(_f).where(_f.c.member_no == member_no))
    rows = [{"member_no": member_no, "start": f.start, "end": f.end} for f in freezes]
    if rows:
        conn.execute(insert(_f), rows)


def count(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM members").scalar_one())
