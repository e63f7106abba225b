"""The host directory (units/rooms and companies a visitor may visit), as central last sent
it, and the kiosk's search over it: never the whole list, at most a page of matches."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, delete, func, insert, literal, or_, select

from backend_client import wire

from . import meta
from .tables import Host

_t = Host.__table__
VERSION = "sync.hosts_version"
MIN_QUERY = 2
MAX_MATCHES = 10


@dataclass(frozen=True, slots=True)
class HostEntry:
    id: int
    kind: str  # unit | company
    label: str
    detail: str


def initials(label: str) -> str:
    """Pinyin initials of the Chinese characters, other letters and digits as they are:
    "华润大厦 12楼" -> "hrds12l", so a visitor can type "hrds" on a Latin keyboard."""
    # Imported here, not at the top: pypinyin loads its phrase dictionaries on import (about
    # 55 MB and a second or more on a busy Pi), and only a directory sync needs it, never the
    # way to Home.
    from pypinyin import Style, lazy_pinyin

    # errors= keeps non-Chinese runs as single characters instead of one opaque chunk.
    parts = lazy_pinyin(label, style=Style.FIRST_LETTER, errors=lambda run: list(run))
    return "".join(c for c in "".join(parts).lower() if c.isascii() and c.isalnum())


def version(conn: Connection) -> int | None:
    raw = meta.get(conn, VERSION)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None  # a damaged mark costs one rewrite, never a stale directory


def replace(conn: Connection, hosts: wire.Hosts) -> None:
    """The whole directory, in one transaction: a search sees the old list or the new one."""
    conn.execute(delete(_t))
    rows = [{"id": h.id, "kind": h.kind, "label": h.label, "detail": h.detail,
             "search": h.label.casefold(), "initials": initials(h.label)}
            for h in {h.id: h for h in hosts.items}.values()]
    if rows:
        conn.execute(insert(_t), rows)
    meta.put(conn, VERSION, str(hosts.version))


def search(conn: Connection, text: str, limit: int = MAX_MATCHES) -> list[HostEntry]:
    """Hosts whose label starts with, contains, or (pinyin initials) starts with `text`;
    prefix matches first. Fewer than MIN_QUERY characters match nothing."""
    q = " ".join(text.split()).casefold()
    if len(q) < MIN_QUERY:
        return []
    limit = max(0, min(limit, MAX_MATCHES))
    # instr/substr rather than LIKE: a typed % or _ is a character here, not a wildcard.
    prefix = func.substr(_t.c.search, 1, len(q)) == q
    inside = func.instr(_t.c.search, q) > 0
    by_initials = func.substr(_t.c.initials, 1, len(q)) == q
    rank = case((prefix, literal(0)), (inside, literal(1)), else_=literal(2))
    rows = conn.execute(
        select(_t.c.id, _t.c.kind, _t.c.label, _t.c.detail)
        .where(or_(inside, by_initials)).order_by(rank, _t.c.label, _t.c.id).limit(limit)
    ).all()
    return [HostEntry(*r) for r in rows]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(_t)).scalar_one())
