"""What the sync engine keeps between cycles, as small documents in `meta` (keys "sync.*"):
the members and updates cursors, the full-resync mark, the pass-signing keys and the
revocation list.

Keys and revocations are kept as the documents central sends, so the pass check reads them
with lobby_core.passes' own readers: TrustedKeys.from_published(doc["keys"]),
RevocationList.from_dict(doc).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from backend_client import wire

from . import meta

MEMBERS_CURSOR = "sync.members_cursor"
RESYNC_MARK = "sync.resync_mark"
UPDATES_CURSOR = "sync.updates_cursor"
PASS_KEYS = "sync.pass_keys"
REVOCATIONS = "sync.revocations"
BLOCKLIST = "sync.blocklist"


def _int(conn: Connection, key: str) -> int:
    raw = meta.get(conn, key)
    try:
        return max(0, int(raw)) if raw is not None else 0
    except ValueError:
        return 0  # a damaged cursor costs one full resync, never a wrong copy


def members_cursor(conn: Connection) -> int:
    return _int(conn, MEMBERS_CURSOR)


def set_members_cursor(conn: Connection, cursor: int) -> None:
    meta.put(conn, MEMBERS_CURSOR, str(cursor))


def updates_cursor(conn: Connection) -> int:
    return _int(conn, UPDATES_CURSOR)


def set_updates_cursor(conn: Connection, cursor: int) -> None:
    # Never backwards: two pollers (the worker and `kiosk sync --once`) may race.
    if cursor > updates_cursor(conn):
        meta.put(conn, UPDATES_CURSOR, str(cursor))


def resync_mark(conn: Connection) -> datetime | None:
    raw = meta.get(conn, RESYNC_MARK)
    return datetime.fromisoformat(raw) if raw else None


def set_resync_mark(conn: Connection, mark: datetime) -> None:
    meta.put(conn, RESYNC_MARK, mark.isoformat())


def clear_resync_mark(conn: Connection) -> None:
    meta.delete(conn, RESYNC_MARK)


def forget_cursors(conn: Connection) -> None:
    """Start over with a full copy (a kiosk enrolled anew, possibly with another central)."""
    meta.delete(conn, MEMBERS_CURSOR, RESYNC_MARK, UPDATES_CURSOR)


def _doc(conn: Connection, key: str) -> dict[str, Any] | None:
    raw = meta.get(conn, key)
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def put_pass_keys(conn: Connection, keys: wire.Keys) -> None:
    meta.put(conn, PASS_KEYS, keys.model_dump_json())


def trust_stamp(conn: Connection) -> tuple[str | None, str | None]:
    """The stored key and revocation documents as text, unparsed: a cheap way for a reader that
    keeps them parsed to see whether sync changed either (the pass entrance asks every scan)."""
    return meta.get(conn, PASS_KEYS), meta.get(conn, REVOCATIONS)


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


def put_blocklist(conn: Connection, blocklist: wire.Blocklist) -> None:
    meta.put(conn, BLOCKLIST, json.dumps({"key": blocklist.key, "hashes": sorted(set(blocklist.hashes))}))


def blocklist(conn: Connection) -> tuple[bytes, frozenset[str]] | None:
    """(HMAC key, hex hashes) as central last sent them, or None before the first (or when
    the stored document is damaged: then the kiosk checks nothing and central still does)."""
    doc = _doc(conn, BLOCKLIST)
    if doc is None:
        return None
    try:
        key = base64.b64decode(doc["key"], validate=True)
        hashes = frozenset(str(h) for h in doc["hashes"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    return key, hashes
