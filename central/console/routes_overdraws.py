"""Console page for what offline kiosks admitted beyond what was paid for, listed for reception to
settle: visit overdraws (a member's package; central.services.overdraw records them) and, beside
them, visitor pass overuses (a pass's entries; central.services.pass_entries).

Who: receptionists and administrators may see and resolve them ("overdraws" in access.PAGES).
Settling one is a desk decision — charge the visit to the member's next package, or waive it —
made by whoever is at reception when the member next comes in, so it sits with the visitor
pages rather than with the administrator-only member pages. Technicians see neither.

Resolving needs a note (what was decided, 1 to 200 characters) and the session's CSRF token;
the record stays, leaving the open list for the "settled" one. Member names are masked here:
the member number identifies the member, the masked name is only there to confirm it. The same
holds for a pass overuse, identified by its visit and pass numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lobby_core.masking import mask_name
from lobby_core.text import refused_kind

from .. import web_auth
from ..context import Central
from ..errors import NotFound
from ..schemas import ROW_ID_MAX
from ..services import members, overdraw, pass_entries
from . import i18n, render
from .access import Viewer, action, page
from .forms import fields

router = APIRouter(prefix="/console", include_in_schema=False)

NOTE_MAX = 200  # the column's width (visit_overdraws.note)
LIST_LIMIT = 500  # open overdraws are rare; a page this long means reception is far behind
SETTLED_LIMIT = 100
SHOWS = ("open", "settled")

View = Annotated[Viewer, Depends(page("overdraws"))]
Resolve = Annotated[Viewer, Depends(action("overdraws"))]


@dataclass(frozen=True)
class OverdrawRow:
    id: int
    member_no: str
    name_masked: str  # "" when the member was deleted since
    kiosk: str
    facility: str | None
    occurred_at: datetime
    recorded_at: datetime
    resolved_at: datetime | None
    note: str


def rows(central: Central, *, settled: bool = False, member_no: str | None = None) -> list[OverdrawRow]:
    """Open overdraws (or the settled ones, newest first), each with its member's masked name."""
    found = overdraw.list_overdraws(central, unresolved_only=not settled, member_no=member_no,
                                    limit=LIST_LIMIT)
    if settled:  # list_overdraws gives open and settled alike when not limited to open ones
        found = [o for o in found if o.resolved_at is not None][:SETTLED_LIMIT]
    known = members.names_of(central, {o.member_no for o in found})
    names = {no: mask_name(name) for no, name in known.items()}
    return [
        OverdrawRow(o.id, o.member_no, names.get(o.member_no, ""), o.kiosk, o.facility,
                    o.occurred_at, o.recorded_at, o.resolved_at, o.note)
        for o in found
    ]  # fmt: skip


def overuse_rows(central: Central, *, settled: bool = False) -> list[pass_entries.OveruseView]:
    """Open pass overuses (or the settled ones, newest first)."""
    if settled:
        return pass_entries.list_overuses(central, settled_only=True, limit=SETTLED_LIMIT)
    return pass_entries.list_overuses(central, limit=LIST_LIMIT)


def _page(request: Request, v: Viewer, show: str = "open", status: int = 200,
          error: str | None = None, error_id: int | None = None, note: str = "",
          error_kind: str = "overdraw") -> Response:  # fmt: skip
    central = web_auth.get_central(request)
    settled = show == "settled"
    return render.page(
        request, v, "overdraws.html", status=status, error=error, error_id=error_id, note=note,
        error_kind=error_kind, show=show, rows=rows(central, settled=settled),
        overuses=overuse_rows(central, settled=settled), note_max=NOTE_MAX,
        done=request.query_params.get("done"),
    )  # fmt: skip


@router.get("/overdraws")
def overdraws_page(
    request: Request, v: View, show: Annotated[str, Query(max_length=10)] = "open"
) -> Response:
    return _page(request, v, show if show in SHOWS else "open")


RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]


async def _resolve(request: Request, v: Resolve, row_id: int, kind: str,
                   settle: Callable[[Central, int, int | None, str], None]) -> Response:
    """Settle a member overdraw or a visitor pass overuse with reception's note; one flow for
    both, so the note rules, the threadpool hop and the answers cannot drift apart."""
    note, refused = await _note(request, row_id, kind, v)
    if refused is not None:
        return refused
    try:
        await run_in_threadpool(settle, web_auth.get_central(request), row_id, v.user.id, note)
    except NotFound:
        return RedirectResponse("/console/overdraws?done=gone", status_code=303)
    return RedirectResponse("/console/overdraws?done=resolved", status_code=303)


@router.post("/overdraws/{overdraw_id}/resolve")
async def overdraw_resolve(request: Request, v: Resolve, overdraw_id: RowId) -> Response:
    return await _resolve(request, v, overdraw_id, "overdraw", overdraw.resolve)


@router.post("/overuses/{overuse_id}/resolve")
async def overuse_resolve(request: Request, v: Resolve, overuse_id: RowId) -> Response:
    return await _resolve(request, v, overuse_id, "overuse", pass_entries.resolve)


async def _note(request: Request, record_id: int, kind: str, v: Viewer) -> tuple[str, Response | None]:
    """The form's note, or the page again (422) saying what is wrong with it."""
    f = await fields(request)  # over-long values are dropped there, so they read as missing
    note = " ".join(f.get("note", "").split())
    _ = i18n.translator(render.language(request))
    if not 1 <= len(note) <= NOTE_MAX:
        msg = _("Write what was decided (charged or waived), up to {n} characters.", n=NOTE_MAX)
        return note, _page(request, v, status=422, error=msg, error_id=record_id, note=note[:NOTE_MAX],
                           error_kind=kind)  # fmt: skip
    if refused_kind(note) is not None:  # lobby_core.text's rule; the note is not put back
        msg = _(
            "The note holds characters that cannot be stored (control, invisible or private-use characters)."
        )
        return note, _page(request, v, status=422, error=msg, error_id=record_id, error_kind=kind)
    return note, None

