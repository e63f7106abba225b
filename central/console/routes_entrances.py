"""Reception's pages about members' taps: the entrance log (filters, CSV export) answering "why
was I refused at the gate?", and a member's page with their validity as of today and their last
entries. The reads are central.services.entrances' and .members'."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from .. import web_auth
from ..services import entrances, members
from ..services import kiosks as kiosk_service
from . import csv_export, i18n, queries, reasons, render, routes_overdraws
from .access import Viewer, page

router = APIRouter(prefix="/console", include_in_schema=False)

LAST_ENTRIES = 20

Log = Annotated[Viewer, Depends(page("entrances"))]
MembersPage = Annotated[Viewer, Depends(page("members"))]


def _log_page(request: Request, v: Viewer, f: queries.EntranceLogFilter, status: int = 200,
              bad_field: str | None = None, **extra: Any) -> Response:  # fmt: skip
    return render.page(
        request, v, "entrances.html", status=status, bad_field=bad_field, f=f,
        kiosks=kiosk_service.names(web_auth.get_central(request)), outcomes=reasons.OUTCOME_LABELS,
        in_words=reasons.in_words, urlencode=urlencode, **extra,
    )  # fmt: skip


@router.get("/entrances")
def entrance_log(request: Request, v: Log) -> Response:
    try:
        f = queries.EntranceLogFilter.parse(dict(request.query_params))
    except queries.FilterError as exc:
        return _log_page(request, v, queries.EntranceLogFilter(), 422, str(exc), rows=[], total=0, pages=1)
    rows, total = entrances.entrance_log(web_auth.get_central(request), f.entrances(),
                                         limit=queries.PAGE_SIZE, offset=f.offset)  # fmt: skip
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return _log_page(request, v, f, rows=rows, total=total, pages=pages)


@router.get("/entrances.csv")
def entrance_log_csv(request: Request, v: Log) -> Response:
    try:
        f = queries.EntranceLogFilter.parse(dict(request.query_params))
    except queries.FilterError as exc:
        return JSONResponse({"error": "bad_filter", "detail": f"bad value for {exc}"}, status_code=422)
    gettext = i18n.translator(render.language(request))
    rows = entrances.entrance_log_stream(web_auth.get_central(request), f.entrances())
    name = "entrances-" + datetime.now().strftime("%Y%m%d-%H%M") + ".csv"
    return StreamingResponse(
        csv_export.entrances_csv(rows, gettext),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/members/view")
def member_view(request: Request, v: MembersPage, no: Annotated[str, Query(max_length=32)] = "") -> Response:
    central = web_auth.get_central(request)
    m = members.get_member(central, no) if no else None
    if m is None:
        return render.page(request, v, "not_found.html", status=404)
    return render.page(
        request, v, "member.html", m=m, standing=members.standing(m, render.today()),
        entries=entrances.last_entries(central, m.member_no, LAST_ENTRIES),
        overdraws=routes_overdraws.rows(central, member_no=m.member_no),
        in_words=reasons.in_words,
    )  # fmt: skip
