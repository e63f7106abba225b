"""Disable, enable and remove console users (admins only; adding users is on the same page, in
routes_admin). Never the last enabled admin (the service refuses), and never yourself here:
an admin who locks themselves out by a click has nobody to undo it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import web_auth
from ..errors import Conflict, NotFound
from ..services import users
from . import i18n, render
from .access import Viewer, action

router = APIRouter(prefix="/console", include_in_schema=False)

Admin = Annotated[Viewer, Depends(action("users"))]
UserName = Annotated[str, Path(min_length=1, max_length=64)]


def _refused(request: Request, v: Viewer, message: str) -> Response:
    from .routes_admin import users_page_response

    return users_page_response(request, v, 409, message)


@router.post("/users/{username}/{verb}")
async def change_user(username: UserName, verb: str, request: Request, v: Admin) -> Response:
    _ = i18n.translator(render.language(request))
    act = {"disable": users.disable, "enable": users.enable, "remove": users.remove}.get(verb)
    if act is None:
        return Response(status_code=404)
    if username == v.user.username and verb != "enable":
        return _refused(request, v, _("You cannot disable or remove your own account; ask another admin."))
    if verb == "remove" and (await request.form()).get("confirm") != "yes":
        return _refused(request, v, _("Tick “for good” to remove a user; disabling keeps their name "
                                      "on record."))
    try:
        await run_in_threadpool(act, web_auth.get_central(request), username)
    except NotFound:
        return _refused(request, v, _("There is no user named {name}.", name=username))
    except Conflict:
        return _refused(request, v, _("{name} is the last enabled admin: add or enable another admin first.",
                                      name=username))
    done = {"disable": "user_disabled", "enable": "user_enabled", "remove": "user_removed"}[verb]
    return RedirectResponse(f"/console/users?done={done}", status_code=303)
