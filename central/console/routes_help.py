"""Help calls on the console: the help page (open calls and those taken in the last hour), its
live long-poll, and "I'm going" (take). The same live panel sits on the pending-visitors page,
where reception spends its day."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import web_auth
from ..errors import Conflict, NotFound
from ..services import help_calls
from . import render
from .access import Viewer, action, page

router = APIRouter(prefix="/console", include_in_schema=False)

LIVE_MAX_WAIT_S = 25.0
# As the pending list: a press wakes nothing the console could subscribe to, and one indexed
# query per half second per open console is cheap.
LIVE_RECHECK_S = 0.5

View = Annotated[Viewer, Depends(page("help"))]
Take = Annotated[Viewer, Depends(action("help"))]
CallId = Annotated[int, Path(ge=1, le=2_000_000_000)]


def _ctx(request: Request) -> dict[str, Any]:
    calls = help_calls.open_calls(web_auth.get_central(request))
    shown = "|".join(f"{c.id}:{c.presses}" for c in calls)
    return {"calls": calls, "help_fp": hashlib.sha256(shown.encode()).hexdigest()[:32]}


@router.get("/help")
def help_page(request: Request, v: View, done: str | None = None) -> Response:
    taken = help_calls.recently_taken(web_auth.get_central(request))
    return render.page(request, v, "help.html", flash=(done, None), taken=taken, **_ctx(request))


@router.get("/help/live")
async def help_live(
    request: Request,
    v: View,
    fp: Annotated[str, Query(max_length=64)] = "",
    wait: Annotated[float, Query(ge=0, le=LIVE_MAX_WAIT_S)] = 0,
) -> Response:
    """Long-poll: answers as soon as the open calls differ from fingerprint `fp` (or when `wait`
    runs out) with the new fingerprint, the count and the rows to swap in."""
    central = web_auth.get_central(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        ctx = await run_in_threadpool(_ctx, request)
        if ctx["help_fp"] != fp or loop.time() >= deadline or central.wakeups.closing:
            break
        if await request.is_disconnected():
            return Response(status_code=204)
        await asyncio.sleep(min(LIVE_RECHECK_S, max(0.0, deadline - loop.time())))
    html = render.render_string("_help_rows.html", render.context(request, v, **ctx))
    return JSONResponse(
        {"fp": ctx["help_fp"], "count": len(ctx["calls"]), "html": html}, headers=render.SECURITY_HEADERS
    )


@router.post("/help/{call_id}/take")
def take(call_id: CallId, request: Request, v: Take) -> Response:
    try:
        help_calls.take(web_auth.get_central(request), call_id, v.user)
    except NotFound:
        return RedirectResponse("/console/help?done=help_gone", status_code=303)
    except Conflict:
        return RedirectResponse("/console/help?done=help_taken_already", status_code=303)
    return RedirectResponse("/console/help?done=help_taken", status_code=303)
