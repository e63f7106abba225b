"""Log in (with its own CSRF cookie, since there is no session yet), log out, switch language,
and send "/" to the viewer's first page."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import web_auth
from ..errors import Locked, Unauthorized
from . import i18n, render
from .access import BadCsrf, Viewer, safe_next, viewer

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "lobby_login_csrf"


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request, status: int = 200, error: str | None = None, username: str = "", next_path: str = ""
) -> Response:
    token = secrets.token_urlsafe(24)
    resp = render.page(
        request, None, "login.html", status=status, error=error, login_csrf=token,
        username=username, next_path=next_path,
    )  # fmt: skip
    resp.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
        secure=_cookie_secure(request), path="/login",
    )  # fmt: skip
    return resp


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    v = viewer(request)
    if v is not None:
        return RedirectResponse(safe_next(next) or v.home, status_code=303)
    return _login_page(request, next_path=safe_next(next) or "")


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    sent = form.get("csrf_token")
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise BadCsrf()
    username = form.get("username")
    password = form.get("password")
    next_path = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)  # type: ignore[arg-type]
    _ = i18n.translator(render.language(request))
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return _login_page(request, 422, _("Enter your user name and password."), next_path=next_path or "")
    username = username.strip()[:64]
    target = RedirectResponse("/", status_code=303)
    central = web_auth.get_central(request)
    address = request.client.host if request.client else None
    try:
        info = await run_in_threadpool(
            web_auth.login, central, target, username, password[:256], address, _cookie_secure(request)
        )
    except Locked as exc:
        # Minutes rounded up, and the clock time in the console's zone: "when", not just "later".
        minutes = -(-exc.retry_after // 60)
        until = exc.until or datetime.now(UTC) + timedelta(seconds=exc.retry_after)
        at = render.local(until, "%H:%M")
        resp = _login_page(
            request, 429,
            _("Too many failed logins. Try again at {time} (in {minutes} min).", time=at, minutes=minutes),
            username=username, next_path=next_path or "",
        )  # fmt: skip
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except Unauthorized:
        return _login_page(
            request, 401, _("Wrong user name or password."), username=username, next_path=next_path or ""
        )
    home = Viewer(info).home
    target.headers["location"] = next_path or home
    target.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return target


async def _logged_in_csrf(request: Request) -> Viewer | None:
    v = await run_in_threadpool(viewer, request)
    if v is None:
        return None
    try:
        await web_auth.verify_csrf(request, v.session)
    except Exception:
        raise BadCsrf() from None
    return v


@router.post("/logout")
async def logout(request: Request, v: Viewer | None = Depends(_logged_in_csrf)) -> Response:  # noqa: B008
    resp = RedirectResponse("/login", status_code=303)
    if v is not None:
        await run_in_threadpool(web_auth.logout, web_auth.get_central(request), request, resp)
    return resp


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    """A preference cookie only, so a plain link (no CSRF) is enough."""
    resp = RedirectResponse(safe_next(next) or "/", status_code=303)
    if code in i18n.LANGUAGES:
        resp.set_cookie(
            i18n.LANG_COOKIE, code, max_age=365 * 86400, httponly=True, samesite="strict",
            secure=_cookie_secure(request), path="/",
        )  # fmt: skip
    return resp


@router.get("/")
@router.get("/console")
@router.get("/console/")
def home(request: Request) -> Response:
    v = viewer(request)
    return RedirectResponse(v.home if v else "/login", status_code=303)
