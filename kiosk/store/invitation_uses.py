"""Invitations' check-ins at this kiosk: how many each has had and how many it allows.

An invitation's code carries no use count (lobby_core.passes.invitation), so the allowance is
what central's lookup last said (None until then). The count is the larger of this kiosk's
own check-ins and central's count as last looked up: taking the larger, never the sum, keeps a
check-in central has already counted from being counted twice here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .tables import InvitationUse

_t = InvitationUse.__table__


@dataclass(frozen=True, slots=True)
class InvitationUsage:
    uses: int = 0
    allowed: int | None = None  # None: central has not said (no lookup reached it yet)


def usage(conn: Connection, invitation_id: int) -> InvitationUsage:
    row = conn.execute(select(_t.c.uses, _t.c.allowed).where(_t.c.invitation_id == invitation_id)).first()
    return InvitationUsage() if row is None else InvitationUsage(int(row[0]), row[1])


def note_central(conn: Connection, invitation_id: int, allowed: int, used: int,
                 valid_until: datetime) -> None:
    """What central's lookup said: the allowance, and its count if it is ahead of ours."""
    stmt = sqlite_insert(_t).values(invitation_id=invitation_id, uses=used, allowed=allowed,
                                    valid_until=valid_until)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[_t.c.invitation_id],
        set_={"uses": func.max(_t.c.uses, stmt.excluded.uses), "allowed": allowed}))


def count_use(conn: Connection, invitation_id: int, valid_until: datetime) -> None:
    stmt = sqlite_insert(_t).values(invitation_id=invitation_id, uses=1, allowed=None,
                                    valid_until=valid_until)
    conn.execute(stmt.on_conflict_do_update(index_elements=[_t.c.invitation_id],
                                            set_={"uses": _t.c.uses + 1}))


def purge_expired(conn: Connection, before: datetime) -> int:
    """Forget invitations that expired before `before` (they can no longer be used anyway)."""
    return int(conn.execute(delete(_t).where(_t.c.valid_until < before)).rowcount)
