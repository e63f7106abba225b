"""Attach the console to the service's FastAPI app: routers, static files, and the pages shown
for "log in first" (303 to /login), "not for your role" and "form expired" (403)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from . import (
    render,
    routes_admin,
    routes_auth,
    routes_entrances,
    routes_help,
    routes_overdraws,
    routes_remote,
    routes_users,
    routes_visits,
)
from .access import BadCsrf, LoginNeeded, NotYourRole, login_url, viewer

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.include_router(routes_auth.router)
    app.include_router(routes_visits.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_overdraws.router)
    app.include_router(routes_entrances.router)
    app.include_router(routes_remote.router)
    app.include_router(routes_help.router)
    app.include_router(routes_users.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(LoginNeeded)
    async def _login(request: Request, exc: LoginNeeded) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(NotYourRole)
    async def _forbidden(request: Request, exc: NotYourRole) -> Response:
        return render.page(request, viewer(request), "denied.html", status=403, reason="role")

    @app.exception_handler(BadCsrf)
    async def _csrf(request: Request, exc: BadCsrf) -> Response:
        return render.page(request, viewer(request), "denied.html", status=403, reason="csrf")
