"""People's auth over real HTTP: login, session cookie flags, CSRF, roles, login throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from fastapi import APIRouter, Depends

from central import web_auth
from central.errors import Locked, Unauthorized
from central.models import LoginThrottle, User
from tests.fixtures.central import CentralServer


@pytest.fixture
def srv(central_server: CentralServer) -> CentralServer:
    """The server with two console-like routes, as the console engineer would write them."""
    router = APIRouter()

    @router.get("/t/visits")
    def page(user: User = Depends(web_auth.require_role("visits"))) -> dict[str, str]:  # noqa: B008
        return {"user": user.username}

    @router.post("/t/approve", dependencies=[Depends(web_auth.verify_csrf)])
    def approve(user: User = Depends(web_auth.require_role("visits"))) -> dict[str, str]:  # noqa: B008
        return {"user": user.username}

    central_server.server.config.app.include_router(router)
    for name, role in (("rita", "receptionist"), ("tom", "technician"), ("ada", "admin")):
        central_server.add_user(name, role)
    return central_server


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(srv: CentralServer) -> None:
    s = requests.Session()
    # A cross-site HTML form (no CSRF token possible) must not log the browser in.
    forged = s.post(srv.url("/auth/login"), data={"username": "rita", "password": "correct horse battery"})
    assert forged.status_code in (400, 422) and "lobby_session" not in forged.headers.get("set-cookie", "")
    r = s.post(srv.url("/auth/login"), json={"username": "rita", "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "lobby_session=" in cookie
    csrf = r.json()["csrf_token"]
    assert s.get(srv.url("/auth/me")).json()["username"] == "rita"
    assert s.post(srv.url("/auth/logout")).status_code == 403  # no CSRF token
    assert s.post(srv.url("/auth/logout"), headers={"X-CSRF-Token": csrf}).status_code == 204
    assert (
        requests.get(
            srv.url("/auth/me"), cookies={"lobby_session": cookie.split("lobby_session=")[1].split(";")[0]}
        ).status_code
        == 401
    )


def test_roles_are_enforced_on_the_server(srv: CentralServer) -> None:
    for name, expected in (("rita", 200), ("ada", 200), ("tom", 403)):
        s, _ = srv.login(name)
        assert s.get(srv.url("/t/visits")).status_code == expected, name
    assert requests.get(srv.url("/t/visits")).status_code == 401
    html = requests.get(srv.url("/t/visits"), headers={"Accept": "text/html"}, allow_redirects=False)
    assert html.status_code == 303 and html.headers["location"].startswith("/login")


@pytest.mark.parametrize("how", ["missing", "wrong", "other_session", "header", "form"])
def test_csrf_token_is_required_on_state_changes(srv: CentralServer, how: str) -> None:
    s, csrf = srv.login("rita")
    _, other_csrf = srv.login("ada")
    url = srv.url("/t/approve")
    r = {
        "missing": lambda: s.post(url),
        "wrong": lambda: s.post(url, headers={"X-CSRF-Token": csrf[:-2] + "xx"}),
        "other_session": lambda: s.post(url, data={"csrf_token": other_csrf}),
        "header": lambda: s.post(url, headers={"X-CSRF-Token": csrf}),
        "form": lambda: s.post(url, data={"csrf_token": csrf}),
    }[how]()
    assert r.status_code == (200 if how in ("header", "form") else 403), r.text


def test_five_failures_lock_the_user_even_for_the_right_password(srv: CentralServer) -> None:
    c = srv.central
    for i in range(5):
        with pytest.raises(Unauthorized):
            web_auth.authenticate(c, "rita", "wrong password", f"10.0.0.{i}")
    with pytest.raises(Locked) as locked:
        web_auth.authenticate(c, "rita", "correct horse battery", "10.0.0.99")
    assert 14 * 60 < locked.value.retry_after <= 15 * 60 + 1
    # Other users are not affected from other addresses.
    assert web_auth.authenticate(c, "ada", "correct horse battery", "10.0.0.50").username == "ada"
    # After the lock time, the right password works again and clears the count.
    with c.db.writing() as s:
        row = s.get(LoginThrottle, "user:rita")
        assert row is not None
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert web_auth.authenticate(c, "rita", "correct horse battery", "10.0.0.99").username == "rita"


def test_five_failures_from_one_address_lock_that_address(srv: CentralServer) -> None:
    s = requests.Session()
    for name in ("a1", "a2", "a3", "a4", "rita"):
        r = s.post(srv.url("/auth/login"), json={"username": name, "password": "nope nope"})
        assert r.status_code == 401, r.text
    r = s.post(srv.url("/auth/login"), json={"username": "ada", "password": "correct horse battery"})
    assert r.status_code == 429 and "address" in r.json()["detail"] and int(r.headers["retry-after"]) > 800
    # From another address ada is fine.
    assert web_auth.authenticate(srv.central, "ada", "correct horse battery", "192.0.2.1").role == "admin"


def test_login_refuses_malformed_bodies(srv: CentralServer) -> None:
    url = srv.url("/auth/login")
    assert requests.post(url, json={"username": "rita"}).status_code == 422
    assert requests.post(url, data=b"\xff", headers={"content-type": "application/json"}).status_code == 422
    assert requests.post(url, json={"username": "x" * 65, "password": "p"}).status_code == 422
