"""Build the FastAPI application: routes, error mapping, body limits, and the background jobs
(pending-visit expiry and the nightly auto check-out every few seconds, retention every hour)
that live as long as it does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__, api, api_help, api_remote, auth_routes, console, local_members_api
from .console.render import console_zone
from .context import Central
from .errors import Locked, ServiceError
from .limits import BodySizeLimit
from .services import remote, retention, visits
from .web_auth import LoginRequired

log = logging.getLogger("central")


async def _every(seconds: float, job: Callable[[], Any], name: str) -> None:
    while True:
        try:
            await run_in_threadpool(job)
        except Exception:  # a failing job must not stop the next run
            log.exception("%s failed", name)
        await asyncio.sleep(seconds)


def create_app(central: Central, *, run_jobs: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await central.wakeups.start()
        tasks = []
        if run_jobs:
            s = central.settings
            tasks = [
                asyncio.create_task(
                    _every(
                        s.housekeeping_interval.total_seconds(),
                        lambda: visits.expire_pending(central),
                        "expiry",
                    )
                ),
                asyncio.create_task(
                    _every(
                        s.retention_interval.total_seconds(), lambda: retention.run_all(central), "retention"
                    )
                ),
                # In the console's zone: the cut-off is the time reception reads on its pages.
                asyncio.create_task(
                    _every(
                        s.housekeeping_interval.total_seconds(),
                        lambda: visits.auto_checkout(central, console_zone()),
                        "auto check-out",
                    )
                ),
            ]
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await t
            await central.wakeups.stop()

    app = FastAPI(
        title="lobby-kiosk central", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.central = central
    app.include_router(api.router)
    app.include_router(api_remote.router)
    app.include_router(local_members_api.router)
    app.include_router(api_help.router)
    app.include_router(auth_routes.router)
    console.install(app)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        headers = {}
        if isinstance(exc, Locked):
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        body = {"error": exc.code, "detail": str(exc)} | ({"key": exc.key} if exc.key else {})
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the input back: it may be an ID number (FastAPI's default answer does).
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid", "detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        # Same body shape as ServiceError answers; the console may register its own for HTML.
        if request.url.path.startswith("/api/") and exc.status_code == 400:
            return JSONResponse({"error": "bad_body", "detail": str(exc.detail)}, status_code=400)
        return await http_exception_handler(request, exc)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Any:
        if "text/html" in request.headers.get("accept", "") and request.method == "GET":
            return RedirectResponse("/login?next=" + request.url.path, status_code=303)
        return JSONResponse({"error": "login_required", "detail": "log in first"}, status_code=401)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(
        BodySizeLimit, overrides={api_remote.BUNDLE_PATH_PREFIX: remote.MAX_BUNDLE + (64 << 10)}
    )
    return app
