"""Receptionist pages about visitors: pending approvals (live), approve / deny, on-site roll
call with a check-out button per visitor, the visit log with filters and its CSV export."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from .. import web_auth
from ..errors import Conflict, Invalid, NotFound
from ..services import kiosks as kiosk_service
from ..services import visits
from . import csv_export, i18n, queries, render
from .access import Viewer, action, page

router = APIRouter(prefix="/console", include_in_schema=False)

LIVE_MAX_WAIT_S = 25.0
# How often a waiting live request re-reads the pending list. Creating a visit wakes nothing
# we could subscribe to, and one indexed query per half second per open console is cheap.
LIVE_RECHECK_S = 0.5

Pending = Annotated[Viewer, Depends(page("pending"))]
Decide = Annotated[Viewer, Depends(action("pending"))]
CheckOut = Annotated[Viewer, Depends(action("onsite"))]


def _pending_ctx(request: Request, v: Viewer) -> dict[str, Any]:
    rows = visits.list_pending(web_auth.get_central(request))
    return {"rows": rows, "fp": queries.pending_fingerprint(rows)}


@router.get("/pending")
def pending(request: Request, v: Pending, done: str | None = None, n: int | None = None) -> Response:
    return render.page(request, v, "pending.html", flash=(done, n), **_pending_ctx(request, v))


@router.get("/pending/live")
async def pending_live(
    request: Request,
    v: Pending,
    fp: Annotated[str, Query(max_length=64)] = "",
    wait: Annotated[float, Query(ge=0, le=LIVE_MAX_WAIT_S)] = 0,
) -> Response:
    """Long-poll: answers as soon as the pending list differs from fingerprint `fp` (or when
    `wait` runs out) with the new fingerprint and the table body to swap in."""
    central = web_auth.get_central(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        ctx = await run_in_threadpool(_pending_ctx, request, v)
        if ctx["fp"] != fp or loop.time() >= deadline or central.wakeups.closing:
            break
        if await request.is_disconnected():
            return Response(status_code=204)
        await asyncio.sleep(min(LIVE_RECHECK_S, max(0.0, deadline - loop.time())))
    html = render.render_string("_pending_rows.html", render.context(request, v, **ctx))
    return JSONResponse(
        {"fp": ctx["fp"], "count": len(ctx["rows"]), "html": html}, headers=render.SECURITY_HEADERS
    )


def _back(done: str, n: int | None = None) -> RedirectResponse:
    query = {"done": done} | ({"n": str(n)} if n is not None else {})
    return RedirectResponse("/console/pending?" + urlencode(query), status_code=303)


# Path ids are bounded like the database's integers: a 25-digit id is a 422, never an overflow.
VisitId = Annotated[int, Path(ge=1, le=2_000_000_000)]


@router.post("/visits/{visit_id}/approve")
def approve(visit_id: VisitId, request: Request, v: Decide) -> Response:
    try:
        visits.approve_visit(web_auth.get_central(request), visit_id, v.user)
    except (NotFound, Conflict):
        return _back("gone", visit_id)
    return _back("approved", visit_id)


@router.post("/visits/{visit_id}/deny")
async def deny(visit_id: VisitId, request: Request, v: Decide) -> Response:
    form = await request.form()
    reason = form.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason.strip()) > 200:
        return _back("need_reason", visit_id)
    try:
        await run_in_threadpool(visits.deny_visit, web_auth.get_central(request), visit_id, v.user, reason)
    except (NotFound, Conflict):
        return _back("gone", visit_id)
    except Invalid as exc:
        return _back("bad_reason" if exc.key == "text.bad_characters" else "need_reason", visit_id)
    return _back("denied", visit_id)


@router.get("/onsite")
def onsite(request: Request, v: Annotated[Viewer, Depends(page("onsite"))], done: str | None = None,
           n: int | None = None) -> Response:
    rows = visits.on_site(web_auth.get_central(request))
    return render.page(
        request, v, "onsite.html", flash=(done, n), rows=rows, people=sum(r.party_size for r in rows),
        taken_at=datetime.now().astimezone(),
    )  # fmt: skip


@router.post("/visits/{visit_id}/checkout")
def checkout(visit_id: VisitId, request: Request, v: CheckOut) -> Response:
    """Reception checks a visitor out (签离): recorded with the receptionist and the time."""
    try:
        visits.check_out(web_auth.get_central(request), visit_id, v.user)
    except (NotFound, Conflict):
        done = "not_on_site"
    else:
        done = "checked_out"
    query = urlencode({"done": done, "n": str(visit_id)})
    return RedirectResponse("/console/onsite?" + query, status_code=303)


@router.get("/log")
def log(request: Request, v: Annotated[Viewer, Depends(page("log"))]) -> Response:
    central = web_auth.get_central(request)
    kiosks = kiosk_service.names(central)
    try:
        f = queries.LogFilter.parse(dict(request.query_params))
    except queries.FilterError as exc:
        return render.page(
            request, v, "log.html", status=422, bad_field=str(exc), f=queries.LogFilter(), rows=[],
            total=0, pages=1, kiosks=kiosks, statuses=queries.STATUSES, urlencode=urlencode,
        )  # fmt: skip
    rows, total = visits.visit_log(central, f.visits(), limit=queries.PAGE_SIZE, offset=f.offset)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return render.page(
        request, v, "log.html", bad_field=None, f=f, rows=rows, total=total, pages=pages,
        kiosks=kiosks, statuses=queries.STATUSES, urlencode=urlencode,
    )  # fmt: skip


@router.get("/log.csv")
def log_csv(request: Request, v: Annotated[Viewer, Depends(page("log"))]) -> Response:
    try:
        f = queries.LogFilter.parse(dict(request.query_params))
    except queries.FilterError as exc:
        return JSONResponse({"error": "bad_filter", "detail": f"bad value for {exc}"}, status_code=422)
    gettext = i18n.translator(render.language(request))
    stream = csv_export.rows_csv(visits.visit_log_stream(web_auth.get_central(request), f.visits()), gettext)
    name = "visits-" + datetime.now().strftime("%Y%m%d-%H%M") + ".csv"
    return StreamingResponse(
        stream,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
