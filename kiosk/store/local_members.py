"""Members only this kiosk knows (`kiosk members import --local` on an enrolled kiosk).

Central owns the member list of an enrolled kiosk: its full copy removes every member it did
not send. A member imported here with --local is marked in `local_members`, so that copy keeps
them, and so the kiosk can report them to central, which shows them on its members page as
"local to kiosk K". The report carries the member number, the masked name, status, facilities
and validity: never the full name or a card UID. When central's feed sends the same member
number, central has taken the member over and the mark goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lobby_core.masking import mask_name

from . import bulk, meta
from .names import NameCipher
from .tables import Entitlement, LocalMember, Member

REPORTED = "local_members_reported"  # meta key: digest of the list central last acknowledged
_l = LocalMember.__table__
_m = Member.__table__
_e = Entitlement.__table__


@dataclass(frozen=True, slots=True)
class LocalMemberReport:
    member_no: str
    masked_name: str
    status: str
    facilities: tuple[str, ...]
    valid_until: date | None  # the latest day any facility is valid; None without any


def mark(conn: Connection, member_nos: Sequence[str], now: datetime) -> None:
    """These members were imported here as local ones (again: the time moves on)."""
    for chunk in bulk.chunks(list(member_nos)):
        stmt = sqlite_insert(_l).values([{"member_no": no, "imported_at": now} for no in chunk])
        conn.execute(stmt.on_conflict_do_update(index_elements=[_l.c.member_no],
                                                set_={"imported_at": stmt.excluded.imported_at}))


def taken_over(conn: Connection, member_nos: Sequence[str]) -> int:
    """Central sent these members: they are central's now, not local ones."""
    n = 0
    for chunk in bulk.chunks(list(member_nos)):
        n += conn.execute(delete(_l).where(_l.c.member_no.in_(chunk))).rowcount or 0
    return n


def member_nos() -> object:
    """The local members' numbers, as a subquery (for the full copy's clean-up)."""
    return select(_l.c.member_no).scalar_subquery()


def not_local(conn: Connection, member_nos: Sequence[str]) -> set[str]:
    """Those of `member_nos` stored here but not as local members (central's, on an enrolled
    kiosk)."""
    out: set[str] = set()
    for chunk in bulk.chunks(list(member_nos)):
        out.update(conn.execute(select(_m.c.member_no).where(
            _m.c.member_no.in_(chunk), _m.c.member_no.not_in(select(_l.c.member_no)))).scalars())
    return out


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(_l)).scalar_one())


def report(conn: Connection, cipher: NameCipher) -> list[LocalMemberReport]:
    """What central is told about each local member, by member number."""
    rows = conn.execute(
        select(_m.c.member_no, _m.c.name_enc, _m.c.status)
        .join(_l, _l.c.member_no == _m.c.member_no).order_by(_m.c.member_no)
    ).all()
    ents: dict[str, list[tuple[str, date]]] = {}
    for chunk in bulk.chunks([r[0] for r in rows]):
        for no, facility, until in conn.execute(
                select(_e.c.member_no, _e.c.facility, _e.c.valid_until).where(_e.c.member_no.in_(chunk))):
            ents.setdefault(no, []).append((facility, until))
    out = []
    for no, name_enc, status in rows:
        mine = ents.get(no, [])
        out.append(LocalMemberReport(
            member_no=no, masked_name=mask_name(cipher.decrypt(no, name_enc)), status=status,
            facilities=tuple(sorted({f for f, _ in mine})),
            valid_until=max((u for _, u in mine), default=None)))
    return out


def reported(conn: Connection) -> str | None:
    return meta.get(conn, REPORTED)


def set_reported(conn: Connection, digest: str) -> None:
    meta.put(conn, REPORTED, digest)
