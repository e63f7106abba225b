"""JSON/form endpoints for people's sessions: /auth/login, /auth/logout, /auth/me.

The console's HTML login page may post here or call web_auth.login() from its own route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from .errors import Invalid
from .web_auth import SessionInfo, current_session, get_central, login, logout, verify_csrf

router = APIRouter(prefix="/auth", tags=["people"], include_in_schema=False)


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    username: str
    role: str
    csrf_token: str


async def _credentials(request: Request) -> LoginBody:
    # JSON only: a cross-site HTML form cannot send it, so this endpoint needs no login CSRF
    # token (the console's own /login form has one).
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/json"):
        raise Invalid("send the credentials as JSON", code="bad_login_body")
    try:
        return LoginBody.model_validate_json(await request.body())
    except ValueError:
        raise Invalid("user name and password are required", code="bad_login_body") from None


@router.post("/login", response_model=Me)
def post_login(
    request: Request, response: Response, creds: Annotated[LoginBody, Depends(_credentials)]
) -> Me:
    info = login(
        get_central(request),
        response,
        creds.username,
        creds.password,
        request.client.host if request.client else None,
        secure=request.url.scheme == "https",
    )
    return Me(username=info.user.username, role=info.user.role, csrf_token=info.csrf_token)


@router.post("/logout", status_code=204, dependencies=[Depends(verify_csrf)])
def post_logout(request: Request, response: Response) -> None:
    logout(get_central(request), request, response)


@router.get("/me", response_model=Me)
def me(info: Annotated[SessionInfo, Depends(current_session)]) -> Me:
    return Me(username=info.user.username, role=info.user.role, csrf_token=info.csrf_token)
