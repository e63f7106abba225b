"""The console's kiosk pages: the list with each kiosk's devices at a glance, and one kiosk's
devices and checks with (technicians and admins only) the remote requests (pulse the gate,
print a test slip, send a bundle), their audit trail and the bundles to download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import roles, web_auth
from ..errors import Conflict, NotFound
from ..services import kiosks, remote
from . import i18n, kiosk_view, render
from .access import NotYourRole, Viewer, action, page

router = APIRouter(prefix="/console", include_in_schema=False)
KioskId = Annotated[int, Path(ge=1, le=2_000_000_000)]
# Who may ask a kiosk to do something (a remote pulse opens a door): central.roles' "devices".
TECHNICAL = roles.GRANTS["devices"].roles
FLASH = kiosk_view.NOTICES


def _technical(v: Viewer) -> Viewer:
    if v.role not in TECHNICAL:
        raise NotYourRole()
    return v


def _zone_name() -> str:
    zone = render.console_zone()
    return str(getattr(zone, "key", None) or zone)


def _t(request: Request) -> i18n.Translator:
    return i18n.translator(render.language(request))


@router.get("/kiosks")
def kiosks_page(request: Request, v: Annotated[Viewer, Depends(page("kiosks"))]) -> Response:
    _ = _t(request)
    rows = kiosks.list_kiosks(web_auth.get_central(request))
    return render.page(
        request, v, "kiosks.html", rows=[(k, kiosk_view.health(k, _)) for k in rows],
        status_labels=kiosk_view.STATUS_LABELS, zone_name=_zone_name(),
        late_after=int(kiosks.HEARTBEAT_LATE.total_seconds()),
    )


@router.get("/kiosks/{kiosk_id}")
def kiosk_page(
    request: Request, kiosk_id: KioskId, v: Annotated[Viewer, Depends(page("kiosks"))]
) -> Response:
    central = web_auth.get_central(request)
    try:
        k = kiosks.status(central, kiosk_id)
    except NotFound:
        return render.page(request, v, "not_found.html", status=404)
    done = request.query_params.get("done", "")
    return render.page(
        request, v, "kiosk.html", k=k, health=kiosk_view.health(k, _t(request)),
        history=remote.history(central, kiosk_id), technical=v.role in TECHNICAL,
        actions=kiosk_view.ACTION_LABELS, action_states=kiosk_view.ACTION_STATES,
        status_labels=kiosk_view.STATUS_LABELS, late_after=int(kiosks.HEARTBEAT_LATE.total_seconds()),
        notice=FLASH.get(done, ""), notice_ok=done == "asked", zone_name=_zone_name(),
    )


@router.post("/kiosks/{kiosk_id}/actions")
def ask_kiosk(
    request: Request,
    kiosk_id: KioskId,
    v: Annotated[Viewer, Depends(action("kiosks"))],
    what: Annotated[str, Form(alias="action", max_length=32)] = "",
) -> Response:
    """Queue a request for the kiosk (audited with the viewer's name) and show the page again."""
    _technical(v)
    central = web_auth.get_central(request)
    if what not in remote.ACTIONS:
        return render.page(request, v, "not_found.html", status=404)
    try:
        remote.request(central, kiosk_id, what, v.user.username)
        done = "asked"
    except NotFound:
        return render.page(request, v, "not_found.html", status=404)
    except Conflict as exc:
        done = "waiting" if exc.code == "action_waiting" else "unreachable"
    return RedirectResponse(f"/console/kiosks/{kiosk_id}?done={done}", status_code=303)


@router.get("/kiosks/bundles/{action_id}")
async def download_bundle(
    request: Request, action_id: KioskId, v: Annotated[Viewer, Depends(page("kiosks"))]
) -> Response:
    """A kiosk's diagnostics bundle: it holds logs, so technicians and admins only."""
    _technical(v)
    try:
        central = web_auth.get_central(request)
        name, asked_at, data = await run_in_threadpool(remote.bundle, central, action_id)
    except NotFound:
        return render.page(request, v, "not_found.html", status=404)
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name).strip("-") or "kiosk"
    stamp = render.local(asked_at, "%Y%m%d-%H%M%S")
    headers = {**render.SECURITY_HEADERS,
               "Content-Disposition": f'attachment; filename="diag-{slug}-{stamp}.tar.gz"'}
    return Response(data, media_type="application/gzip", headers=headers)
