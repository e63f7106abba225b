"""People's auth over real HTTP: login, session cookie flags, CSRF, roles, login throttling."""

from __future__ import annotations

import http.client
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from fastapi import APIRouter, Depends

from central import web_auth
from central.context import Central
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


def _expire(c: Central, key: str) -> None:
    with c.db.writing() as s:
        row = s.get(LoginThrottle, key)
        assert row is not None and row.locked_until is not None
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)


def test_five_failures_lock_that_user_from_that_address_even_for_the_right_password(
    srv: CentralServer,
) -> None:
    c = srv.central
    for _ in range(5):
        with pytest.raises(Unauthorized):
            web_auth.authenticate(c, "rita", "wrong password", "10.0.0.1")
    with pytest.raises(Locked) as locked:
        web_auth.authenticate(c, "rita", "correct horse battery", "10.0.0.1")
    assert 14 * 60 < locked.value.retry_after <= 15 * 60 + 1
    assert locked.value.until is not None
    # The same user from another address, and another user from this one, are not locked.
    assert web_auth.authenticate(c, "rita", "correct horse battery", "10.0.0.2").username == "rita"
    assert web_auth.authenticate(c, "ada", "correct horse battery", "10.0.0.1").username == "ada"
    # After the lock time, the right password works again and clears the pair's count.
    _expire(c, "pair:rita|10.0.0.1")
    assert web_auth.authenticate(c, "rita", "correct horse battery", "10.0.0.1").username == "rita"
    with c.db.reading() as s:
        assert s.get(LoginThrottle, "pair:rita|10.0.0.1") is None


def test_four_failures_do_not_lock(srv: CentralServer) -> None:
    for _ in range(4):
        with pytest.raises(Unauthorized):
            web_auth.authenticate(srv.central, "rita", "wrong password", "10.0.0.1")
    user = web_auth.authenticate(srv.central, "rita", "correct horse battery", "10.0.0.1")
    assert user.role == "receptionist"


def test_a_flood_from_one_address_does_not_lock_the_owner_out_elsewhere(srv: CentralServer) -> None:
    c = srv.central
    refused = 0
    for _ in range(60):
        try:
            web_auth.authenticate(c, "ada", "guess guess", "203.0.113.9")
        except Locked:
            refused += 1
        except Unauthorized:
            pass
    assert refused == 55  # only five guesses reached the password check
    with c.db.reading() as s:
        row = s.get(LoginThrottle, "user:ada")
        assert row is not None and row.failures == 5 and row.locked_until is None
    assert web_auth.authenticate(c, "ada", "correct horse battery", "198.51.100.7").username == "ada"


def test_one_address_trying_many_users_is_locked(srv: CentralServer) -> None:
    c = srv.central
    for i in range(web_auth.ADDRESS_LIMIT):
        with pytest.raises(Unauthorized):
            web_auth.authenticate(c, f"user{i}", "guess guess", "203.0.113.9")
    with pytest.raises(Locked):
        web_auth.authenticate(c, "rita", "correct horse battery", "203.0.113.9")
    assert web_auth.authenticate(c, "rita", "correct horse battery", "203.0.113.10").username == "rita"


def test_many_addresses_lock_the_user_except_where_they_logged_in_before(srv: CentralServer) -> None:
    c = srv.central
    # ada has logged in from her desk before.
    assert web_auth.authenticate(c, "ada", "correct horse battery", "192.0.2.5").username == "ada"
    limit = web_auth.USER_LIMIT
    for i in range(limit):
        with pytest.raises(Unauthorized):
            web_auth.authenticate(c, "ada", "guess guess", f"10.1.{i // 4}.{i % 4}")
    # Guessing from yet another address is refused now, even with the right password...
    with pytest.raises(Locked):
        web_auth.authenticate(c, "ada", "correct horse battery", "10.9.9.9")
    # ...but ada at her desk still gets in.
    assert web_auth.authenticate(c, "ada", "correct horse battery", "192.0.2.5").username == "ada"
    with c.db.reading() as s:
        row = s.get(LoginThrottle, "user:ada")
        assert row is not None and row.locked_until is not None  # her login did not lift the lock


def test_the_limit_counts_per_user_across_addresses(srv: CentralServer) -> None:
    c = srv.central
    for i in range(web_auth.USER_LIMIT - 1):
        with pytest.raises(Unauthorized):
            web_auth.authenticate(c, "ada", "guess guess", f"10.1.{i // 4}.{i % 4}")
    assert web_auth.authenticate(c, "ada", "correct horse battery", "10.9.9.9").username == "ada"


def _post_login(port: int, source: str, password: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        body = json.dumps({"username": "ada", "password": password})
        conn.request("POST", "/auth/login", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()


def test_over_http_a_flood_from_one_address_leaves_the_owner_a_way_in(srv: CentralServer) -> None:
    """Real uvicorn; loopback answers on all of 127/8, so each source address is a client."""
    port = int(srv.base.rsplit(":", 1)[1])
    statuses = [_post_login(port, "127.0.0.2", "guess guess")[0] for _ in range(40)]
    assert statuses.count(401) == 5 and statuses.count(429) == 35
    status, headers = _post_login(port, "127.0.0.2", "correct horse battery")
    assert status == 429 and 800 < int(headers["retry-after"]) <= 901
    status, headers = _post_login(port, "127.0.0.3", "correct horse battery")
    assert status == 200 and "lobby_session=" in headers["set-cookie"]


def test_login_refuses_malformed_bodies(srv: CentralServer) -> None:
    url = srv.url("/auth/login")
    assert requests.post(url, json={"username": "rita"}).status_code == 422
    assert requests.post(url, data=b"\xff", headers={"content-type": "application/json"}).status_code == 422
    assert requests.post(url, json={"username": "x" * 65, "password": "p"}).status_code == 422
