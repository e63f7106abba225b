"""Members, their cards, entitlements and freezes: lookup by card UID, and the one writer of
the members table (the CSV import and central's members feed share its upsert path).

Lookup is the entrance's hot path: one indexed join by card UID, then the member's few
entitlements and freezes, all by primary or indexed key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select

from backend_client import wire
from kiosk.domain.model import Entitlement, Freeze, Member, MemberStatus
from lobby_core.masking import mask_uid
from lobby_core.members_csv import MemberRecord, RowError, member_record
from lobby_core.uid import normalise_uid

from . import bulk, events, local_members, sync_state
from .names import NameCipher
from .tables import Card
from .tables import Entitlement as EntitlementRow
from .tables import Freeze as FreezeRow
from .tables import Member as MemberRow

_m = MemberRow.__table__
_c = Card.__table__
_e = EntitlementRow.__table__
_f = FreezeRow.__table__
IMPORT_SLICE = 20_000
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    errors: tuple[RowError, ...]  # rows refused by the store (e.g. a card owned by another member)


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
    for chunk in bulk.chunks(uids):
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


# The members table's one write path, used by the CSV import and central's feed alike. Plain
# driver SQL with parameter rows: SQLAlchemy's per-row processing was most of the time of a
# 100,000-member full copy. Values go in as the columns' own types store them (see bulk).
_UPSERT = ("INSERT INTO members (member_no, name_enc, status, visits_remaining, updated_at) "
           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_no) DO UPDATE SET "
           "name_enc = excluded.name_enc, status = excluded.status, "
           "visits_remaining = excluded.visits_remaining, updated_at = excluded.updated_at")
_INSERT_CARDS = "INSERT INTO cards (uid, member_no) VALUES (?, ?)"
_INSERT_ENTS = ("INSERT INTO entitlements (member_no, facility, valid_from, valid_until) "
                "VALUES (?, ?, ?, ?)")
_STAMP = bulk.stored_form(_m.c.updated_at)
_DAY = bulk.stored_form(_e.c.valid_from)


def _write(conn: Connection, records: Sequence[MemberRecord], name_enc: Callable[[MemberRecord], bytes],
           updated_at: datetime) -> None:
    """Upsert each member; its cards and entitlements become exactly the record's."""
    stamp = _STAMP(updated_at)
    # In slices, so a million-member file never holds all its parameter rows at once.
    for part in bulk.chunks(records, IMPORT_SLICE):
        conn.exec_driver_sql(_UPSERT, [(r.member_no, name_enc(r), r.status, r.visits_remaining, stamp)
                                       for r in part])
        for chunk in bulk.chunks([r.member_no for r in part]):
            where = f"member_no IN ({bulk.marks(len(chunk))})"
            conn.exec_driver_sql(f"DELETE FROM cards WHERE {where}", tuple(chunk))
            conn.exec_driver_sql(f"DELETE FROM entitlements WHERE {where}", tuple(chunk))
    # Cards after every member's old cards are gone: a card may move between two members
    # that sit in different slices.
    for part in bulk.chunks(records, IMPORT_SLICE):
        cards = [(u, r.member_no) for r in part for u in r.card_uids]
        # A card moving from a member written in another slice, transaction or (for central's
        # feed, which is the authority) from a member not written at all.
        for chunk in bulk.chunks([u for u, _ in cards]):
            conn.exec_driver_sql(f"DELETE FROM cards WHERE uid IN ({bulk.marks(len(chunk))})",
                                 tuple(chunk))
        if cards:
            conn.exec_driver_sql(_INSERT_CARDS, cards)
        ents: list[tuple[str, str, str, str]] = []
        for r in part:
            a, b = _DAY(r.valid_from), _DAY(r.valid_until)
            ents.extend((r.member_no, f, a, b) for f in r.facilities)
        if ents:
            conn.exec_driver_sql(_INSERT_ENTS, ents)


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
    for chunk in bulk.chunks(nos):
        existing.update(conn.execute(select(_m.c.member_no).where(_m.c.member_no.in_(chunk))).scalars())
    if names is None:
        names = encrypt_names(cipher, accepted)
    _write(conn, accepted, lambda r: names[r.member_no], now)
    errors.sort(key=lambda e: e.line)
    return ImportResult(len(accepted) - len(existing), len(existing), tuple(errors))


# -- central's members feed ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageResult:
    upserted: int
    deleted: int
    refused: tuple[str, ...]  # member numbers central sent in a shape the kiosk cannot use


def feed_record(item: wire.MemberItem) -> MemberRecord | None:
    """Central's member in the CSV contract's form, or None if the record is unusable."""
    try:
        # Central may list one card in two spellings; the CSV would call that a duplicate.
        uids = sorted({normalise_uid(u) for u in item.card_uids})
        return member_record(
            member_no=item.member_no, name=item.name, card_uids=uids,
            facilities=sorted({f.strip().lower() for f in item.facilities if f.strip()}),
            valid_from=item.valid_from, valid_until=item.valid_until, status=item.status,
            visits_remaining=item.visits_remaining)
    except ValueError:
        return None


def apply_feed_page(conn: Connection, cipher: NameCipher, page: wire.MembersPage,
                    now: datetime) -> PageResult:
    """Apply one page of central's members feed and move the cursor past it.

    A page that starts a full copy (cursor 0, or central's `reset`) sets the resync mark; every
    member written while it is set carries the mark in `updated_at`, and `finish_resync` drops
    the members the copy did not contain.

    Visit packages: central's count already has every event central acknowledged taken off.
    The kiosk's own visits not yet acknowledged are taken off again here, so pulling members
    never hands a member back a visit they already used here.
    """
    cursor = sync_state.members_cursor(conn)
    mark = sync_state.resync_mark(conn)
    if mark is None and (cursor == 0 or page.reset):
        mark = now
        sync_state.set_resync_mark(conn, mark)

    live: list[MemberRecord] = []
    gone: list[str] = []
    refused: list[str] = []
    for item in page.items:
        record = None if item.deleted else feed_record(item)
        if record is not None:
            live.append(record)
            continue
        gone.append(item.member_no)
        if not item.deleted:
            # Fail closed: an old local copy of a member central now describes in a way we
            # cannot use must not keep opening the gate. Logged by number only.
            refused.append(item.member_no[:32])

    used = events.unsent_visits_used(conn, [r.member_no for r in live if r.visits_remaining is not None])
    if used:
        live = [replace(r, visits_remaining=max(0, r.visits_remaining - used[r.member_no]))
                if r.member_no in used and r.visits_remaining is not None else r for r in live]
    _write(conn, live, lambda r: cipher.encrypt(r.member_no, r.name), mark or now)
    local_members.taken_over(conn, [r.member_no for r in live])
    deleted = 0
    for chunk in bulk.chunks(gone):
        deleted += conn.execute(delete(_m).where(_m.c.member_no.in_(chunk))).rowcount or 0
    if page.next_cursor != cursor:
        sync_state.set_members_cursor(conn, page.next_cursor)
    if refused:
        log.warning("sync: central sent %d member record(s) the kiosk cannot use (e.g. member "
                    "%s); they are not admitted here until central corrects them",
                    len(refused), refused[0])
    return PageResult(len(live), deleted, tuple(refused))


def finish_resync(conn: Connection) -> int:
    """After the last page of a full copy: drop members the copy did not contain, except the
    ones imported here with --local (central does not know them; see local_members)."""
    mark = sync_state.resync_mark(conn)
    if mark is None:
        return 0
    n = conn.execute(
        delete(_m).where(((_m.c.updated_at != mark) | _m.c.updated_at.is_(None))
                         & _m.c.member_no.not_in(local_members.member_nos()))
    ).rowcount or 0
    sync_state.clear_resync_mark(conn)
    return int(n)


def set_freezes(conn: Connection, member_no: str, freezes: Iterable[Freeze]) -> None:
    conn.execute(delete(_f).where(_f.c.member_no == member_no))
    rows = [{"member_no": member_no, "start": f.start, "end": f.end} for f in freezes]
    if rows:
        conn.execute(insert(_f), rows)


def count(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM members").scalar_one())
