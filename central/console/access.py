"""Which role may open which console page, enforced on the server for every request.

The page -> roles table is central.roles' view of its one authorisation table (the reasons for
who sees what are there); this module adds the navigation order and the FastAPI dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from .. import roles, web_auth
from ..models import User

# page -> roles allowed. Every console route names one of these (page() / action()).
PAGES: dict[str, frozenset[str]] = roles.pages()
# Navigation order, and where a role lands after logging in.
NAV: tuple[str, ...] = (
    "pending", "help", "onsite", "log", "invitations", "overdraws", "members", "entrances", "hosts",
    "blocklist", "kiosks", "users",
)  # fmt: skip


class LoginNeeded(Exception):
    """No valid session: the console answers 303 to its login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NotYourRole(Exception):
    """Logged in, but the role may not open this page: 403."""


class BadCsrf(Exception):
    """A state-changing request without the session's CSRF token: 403."""


@dataclass(frozen=True)
class Viewer:
    session: web_auth.SessionInfo

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def role(self) -> str:
        return self.user.role

    def may(self, page: str) -> bool:
        return self.user.role in PAGES[page]

    @property
    def pages(self) -> list[str]:
        return [p for p in NAV if self.may(p)]

    @property
    def home(self) -> str:
        pages = self.pages
        return "/console/" + pages[0] if pages else "/login"


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def safe_next(value: str | None) -> str | None:
    """A local path to go to after login, or None: never another site (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if len(value) > 500 or any(c in value for c in "\r\n\t"):
        return None
    return value


def viewer(request: Request) -> Viewer | None:
    info = web_auth.optional_session(request)
    return None if info is None else Viewer(info)


# dependency -> the page it guards, so a test can check that every route names a page.
_GUARDS: dict[Callable[..., Any], str] = {}


def guarded_page(dependency: Callable[..., Any]) -> str | None:
    """The page a page()/action() dependency guards; None for any other callable."""
    return _GUARDS.get(dependency)


def page(name: str):  # type: ignore[no-untyped-def]
    """Dependency for a GET page: the viewer, else LoginNeeded / NotYourRole."""
    allowed = PAGES[name]

    def dep(request: Request) -> Viewer:
        v = viewer(request)
        if v is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginNeeded(path if request.method == "GET" else "/console/")
        if v.user.role not in allowed:
            raise NotYourRole()
        return v

    _GUARDS[dep] = name
    return dep


def action(name: str):  # type: ignore[no-untyped-def]
    """Dependency for a POST: page() plus the session's CSRF token in the form or header."""
    check = page(name)

    async def dep(request: Request, v: Viewer = Depends(check)) -> Viewer:  # noqa: B008
        try:
            await web_auth.verify_csrf(request, v.session)
        except HTTPException:
            raise BadCsrf() from None
        return v

    _GUARDS[dep] = name
    return dep
