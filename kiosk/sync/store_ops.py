"""Store operations only the sync engine needs, on the entrance's tables and the sync tables.

Each function runs inside the caller's write transaction (`with store.write() as tx:` and
pass `tx.conn`), so a members page, its cursor and the resync mark commit together or not at
all: a kiosk killed at any point resumes from a consistent copy.

Visit packages: central's count already has every event central acknowledged taken off. The
kiosk's own visits not yet acknowledged (outbox rows that consumed a visit) are taken off
again when a page is applied, so pulling members never hands a member back a visit they
already used here.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from backend_client import wire
from kiosk.store import meta
from kiosk.store.names import NameCipher
from kiosk.store.tables import AccessEvent, Card, Entitlement, Member
from lobby_core.members_csv import MAX_NAME, STATUSES, normalise_uid

from .tables import sync_visits

log = logging.getLogger(__name__)

_m = Member.__table__
_c = Card.__table__
_e = Entitlement.__table__
_ev = AccessEvent.__table__
CHUNK = 500  # well under SQLite's bound-parameter limit

MEMBERS_CURSOR = "sync.members_cursor"
RESYNC_MARK = "sync.resync_mark"
UPDATES_CURSOR = "sync.updates_cursor"
PASS_KEYS = "sync.pass_keys"
REVOCATIONS = "sync.revocations"

# The members CSV contract's rules (lobby_core.members_csv), applied to what central sends: the
# entrance must never see a record the CSV importer would have refused.
_MEMBER_NO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_FACILITY = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class PageResult:
    upserted: int
    deleted: int
    refused: tuple[str, ...]  # member numbers central sent in a shape the kiosk cannot use


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# -- cursors -------------------------------------------------------------------------------

def _int_meta(conn: Connection, key: str) -> int:
    raw = meta.get(conn, key)
    try:
        return max(0, int(raw)) if raw is not None else 0
    except ValueError:
        return 0  # a damaged cursor costs one full resync, never a wrong copy


def members_cursor(conn: Connection) -> int:
    return _int_meta(conn, MEMBERS_CURSOR)


def updates_cursor(conn: Connection) -> int:
    return _int_meta(conn, UPDATES_CURSOR)


def set_updates_cursor(conn: Connection, cursor: int) -> None:
    # Never backwards: two pollers (the worker and `kiosk sync --once`) may race.
    if cursor > updates_cursor(conn):
        meta.put(conn, UPDATES_CURSOR, str(cursor))


def resync_mark(conn: Connection) -> datetime | None:
    raw = meta.get(conn, RESYNC_MARK)
    return datetime.fromisoformat(raw) if raw else None


def forget_cursors(conn: Connection) -> None:
    """Start over with a full copy (a kiosk enrolled anew, possibly with another central)."""
    for key in (MEMBERS_CURSOR, RESYNC_MARK, UPDATES_CURSOR):
        conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (key,))


# -- members ---------------------------------------------------------------------------------

def _clean(item: wire.MemberItem) -> tuple[list[str], list[str], str] | None:
    """(card uids, facilities, name) in the store's form, or None if the record is unusable."""
    if not _MEMBER_NO.fullmatch(item.member_no) or item.status not in STATUSES:
        return None
    name = " ".join(unicodedata.normalize("NFC", item.name).split())
    if len(name) > MAX_NAME or any(unicodedata.category(c)[0] == "C" for c in name):
        return None
    try:
        uids = sorted({normalise_uid(u) for u in item.card_uids})
    except ValueError:
        return None
    facilities = sorted({f.strip().lower() for f in item.facilities if f.strip()})
    if not all(_FACILITY.fullmatch(f) for f in facilities) or item.valid_until < item.valid_from:
        return None
    return uids, facilities, name


def _utc_text(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def unsent_visits_used(conn: Connection, member_nos: Sequence[str]) -> dict[str, int]:
    """Visits each member used here that central has not acknowledged yet."""
    used: dict[str, int] = {}
    for chunk in _chunks(list(member_nos)):
        rows = conn.execute(
            select(_ev.c.member_no, func.count())
            .where(_ev.c.synced_at.is_(None), _ev.c.consumed_visit.is_(True),
                   _ev.c.member_no.in_(chunk))
            .group_by(_ev.c.member_no)
        ).all()
        used.update({no: int(n) for no, n in rows})
    return used


def apply_members_page(conn: Connection, cipher: NameCipher, page: wire.MembersPage,
                       now: datetime) -> PageResult:
    """Apply one page of central's members feed and move the cursor past it.

    A page that starts a full copy (cursor 0, or central's `reset`) sets the resync mark; every
    member written while it is set carries the mark in `updated_at`, and `finish_resync` drops
    the members the copy did not contain.
    """
    cursor = members_cursor(conn)
    mark = resync_mark(conn)
    if mark is None and (cursor == 0 or page.reset):
        mark = now
        meta.put(conn, RESYNC_MARK, mark.isoformat())
    stamp = mark or now

    live: list[tuple[wire.MemberItem, tuple[list[str], list[str], str]]] = []
    gone: list[str] = []
    refused: list[str] = []
    for item in page.items:
        cleaned = None if item.deleted else _clean(item)
        if item.deleted:
            gone.append(item.member_no)
        elif cleaned is None:
            # Fail closed: an old local copy of a member central now describes in a way we
            # cannot use must not keep opening the gate. Logged by number only.
            refused.append(item.member_no[:32])
            gone.append(item.member_no)
        else:
            live.append((item, cleaned))

    used = unsent_visits_used(conn, [i.member_no for i, _ in live if i.visits_remaining is not None])
    # Plain driver SQL for the bulk writes: SQLAlchemy's per-row parameter processing was most
    # of the time of a 100,000-member full copy. Values are formatted as the store's column
    # types do (UTCDateTime: naive UTC "YYYY-MM-DD HH:MM:SS.ffffff"; Date: ISO).
    stamp_text = _utc_text(stamp)
    if live:
        conn.exec_driver_sql(
            "INSERT INTO members (member_no, name_enc, status, visits_remaining, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_no) DO UPDATE SET "
            "name_enc = excluded.name_enc, status = excluded.status, "
            "visits_remaining = excluded.visits_remaining, updated_at = excluded.updated_at",
            [(i.member_no, cipher.encrypt(i.member_no, name), i.status,
              None if i.visits_remaining is None
              else max(0, i.visits_remaining - used.get(i.member_no, 0)), stamp_text)
             for i, (_, _, name) in live],
        )
        nos = [i.member_no for i, _ in live]
        uids = [u for _, (cards, _, _) in live for u in cards]
        for chunk in _chunks(nos):
            marks = ",".join("?" * len(chunk))
            conn.exec_driver_sql(f"DELETE FROM cards WHERE member_no IN ({marks})", tuple(chunk))
            conn.exec_driver_sql(f"DELETE FROM entitlements WHERE member_no IN ({marks})",
                                 tuple(chunk))
        # Central is the authority: a card it now lists for this member leaves whoever had it.
        for chunk in _chunks(uids):
            conn.exec_driver_sql(f"DELETE FROM cards WHERE uid IN ({','.join('?' * len(chunk))})",
                                 tuple(chunk))
        cards = [(u, i.member_no) for i, (cs, _, _) in live for u in cs]
        if cards:
            conn.exec_driver_sql("INSERT INTO cards (uid, member_no) VALUES (?, ?)", cards)
        ents = [(i.member_no, f, i.valid_from.isoformat(), i.valid_until.isoformat())
                for i, (_, fs, _) in live for f in fs]
        if ents:
            conn.exec_driver_sql("INSERT INTO entitlements (member_no, facility, valid_from, "
                                 "valid_until) VALUES (?, ?, ?, ?)", ents)
    deleted = 0
    for chunk in _chunks(gone):
        deleted += conn.execute(delete(_m).where(_m.c.member_no.in_(chunk))).rowcount or 0
    if page.next_cursor != cursor:
        meta.put(conn, MEMBERS_CURSOR, str(page.next_cursor))
    if refused:
        log.warning("sync: central sent %d member record(s) the kiosk cannot use (e.g. member "
                    "%s); they are not admitted here until central corrects them",
                    len(refused), refused[0])
    return PageResult(len(live), deleted, tuple(refused))


def finish_resync(conn: Connection) -> int:
    """After the last page of a full copy: drop members the copy did not contain."""
    mark = resync_mark(conn)
    if mark is None:
        return 0
    n = conn.execute(
        delete(_m).where((_m.c.updated_at != mark) | _m.c.updated_at.is_(None))
    ).rowcount or 0
    conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (RESYNC_MARK,))
    return int(n)


# -- events ----------------------------------------------------------------------------------

def outbox_depth(conn: Connection) -> int:
    return int(conn.execute(
        select(func.count()).select_from(_ev).where(_ev.c.synced_at.is_(None))).scalar_one())


# -- keys and revocations --------------------------------------------------------------------
# Kept as the documents central sends, so the pass check reads them with lobby_core.passes'
# own readers: TrustedKeys.from_published(doc["keys"]), RevocationList.from_dict(doc).

def _doc(conn: Connection, key: str) -> dict[str, Any] | None:
    raw = meta.get(conn, key)
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def put_pass_keys(conn: Connection, keys: wire.Keys) -> None:
    meta.put(conn, PASS_KEYS, keys.model_dump_json())


def pass_keys(conn: Connection) -> dict[str, Any] | None:
    """{"keys": [...], "facilities": [...]} as central last sent it, or None before the first."""
    return _doc(conn, PASS_KEYS)


def put_revocations(conn: Connection, revs: wire.Revocations) -> None:
    meta.put(conn, REVOCATIONS, json.dumps(
        {"pass_ids": sorted(set(revs.pass_ids)), "invitation_ids": sorted(set(revs.invitation_ids))}))


def add_revocation(conn: Connection, rev: wire.RevocationUpdate) -> None:
    """One revocation from the updates long-poll, before the next full list arrives."""
    doc = revocations(conn)
    field = "pass_ids" if rev.kind == "pass" else "invitation_ids"
    if rev.id not in doc[field]:
        doc[field] = sorted([*doc[field], rev.id])
        meta.put(conn, REVOCATIONS, json.dumps(doc))


def revocations(conn: Connection) -> dict[str, list[int]]:
    doc = _doc(conn, REVOCATIONS) or {}
    return {"pass_ids": list(doc.get("pass_ids", [])),
            "invitation_ids": list(doc.get("invitation_ids", []))}


# -- visitor registrations -------------------------------------------------------------------

@dataclass(frozen=True)
class VisitState:
    client_id: str
    status: str  # queued | pending | approved | denied | expired | revoked | rejected
    visit_id: int | None
    deny_reason: str | None
    pass_id: int | None
    pass_text: str | None
    pass_valid_until: datetime | None


def queue_visit(conn: Connection, cipher: NameCipher, request: dict[str, Any],
                now: datetime) -> str:
    """Keep a visitor registration (encrypted) until central acknowledges it; returns its
    client id, which makes resending it harmless."""
    client_id = str(request.get("client_id") or uuid.uuid4())
    body = {**request, "client_id": client_id}
    conn.execute(insert(sync_visits).values(
        client_id=client_id, created_at=now, updated_at=now, status="queued",
        request_enc=cipher.encrypt(client_id, json.dumps(body, ensure_ascii=False))))
    return client_id


def queued_visits(conn: Connection, cipher: NameCipher, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(sync_visits.c.client_id, sync_visits.c.request_enc)
        .where(sync_visits.c.status == "queued").order_by(sync_visits.c.created_at).limit(limit)
    ).all()
    out = []
    for client_id, blob in rows:
        text = cipher.decrypt(client_id, blob or b"")
        try:
            out.append(json.loads(text))
        except ValueError:
            out.append({"client_id": client_id, "_undecryptable": True})
    return out


def record_visit(conn: Connection, v: wire.Visit, now: datetime) -> None:
    """Central's view of a visit (from POST /visits, GET /visits/{id} or a decision update)."""
    p = v.pass_
    conn.execute(
        update(sync_visits).where(sync_visits.c.client_id == v.client_id).values(
            visit_id=v.visit_id, status=v.status, deny_reason=v.deny_reason,
            pass_id=p.pass_id if p else None, pass_text=p.text if p else None,
            pass_valid_until=p.valid_until if p else None, updated_at=now,
            request_enc=None))  # central has it now: the kiosk forgets the ID number


def reject_visit(conn: Connection, client_id: str, reason: str, now: datetime) -> None:
    conn.execute(update(sync_visits).where(sync_visits.c.client_id == client_id).values(
        status="rejected", deny_reason=reason[:200], request_enc=None, updated_at=now))


def visit_state(conn: Connection, client_id: str) -> VisitState | None:
    row = conn.execute(select(sync_visits).where(sync_visits.c.client_id == client_id)).first()
    if row is None:
        return None
    m = row._mapping
    return VisitState(m["client_id"], m["status"], m["visit_id"], m["deny_reason"], m["pass_id"],
                      m["pass_text"], m["pass_valid_until"])
