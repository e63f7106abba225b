"""Logging in and out of the console over real HTTP: cookie flags, the login form's own CSRF
token, CSRF on every state change, throttling after five failures, safe redirects, language."""

from __future__ import annotations

import requests

from central.console.render import local
from central.models import LoginThrottle, Visit
from tests.fixtures.central import CentralServer

from .support import PASSWORD, create_visit, csrf_of, login, session_csrf


def _status(srv: CentralServer, visit_id: int) -> str:
    with srv.central.db.reading() as s:
        v = s.get(Visit, visit_id)
        assert v is not None
        return v.status


def test_login_sets_a_strict_httponly_session_cookie(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    s = requests.Session()
    page = s.get(srv.url("/login?next=/console/log"), timeout=10)
    r = s.post(
        srv.url("/login"),
        data={
            "username": "rita",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/console/log",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/console/log")
    cookie = next(c for c in r.headers["set-cookie"].split(", lobby") if "lobby_session=" in c).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert s.get(srv.url("/console/log"), timeout=10).status_code == 200


def test_login_form_without_its_csrf_cookie_or_token_is_refused(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    creds = {"username": "rita", "password": PASSWORD}
    # No cookie at all (a cross-site form post): 403 even with a plausible token.
    r = requests.post(srv.url("/login"), data=creds | {"csrf_token": "x" * 32}, allow_redirects=False)
    assert r.status_code == 403
    s = requests.Session()
    s.get(srv.url("/login"), timeout=10)
    for token in (None, "", "wrong-token"):
        data = dict(creds) if token is None else creds | {"csrf_token": token}
        r = s.post(srv.url("/login"), data=data, allow_redirects=False, timeout=10)
        assert r.status_code == 403, token
        assert "lobby_session" not in r.headers.get("set-cookie", "")


def test_state_changes_need_the_sessions_own_csrf_token(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    srv.add_user("ralf", "receptionist")
    kiosk = srv.kiosk_session(srv.add_kiosk())
    vid = create_visit(srv, kiosk)
    rita, ralf = login(srv, "rita"), login(srv, "ralf")
    url = srv.url(f"/console/visits/{vid}/approve")
    for data in (
        {},
        {"csrf_token": ""},
        {"csrf_token": "not-the-token"},
        {"csrf_token": session_csrf(srv, ralf)},
    ):
        r = rita.post(url, data=data, allow_redirects=False, timeout=10)
        assert r.status_code == 403, data
        assert "text/html" in r.headers["content-type"]
    assert _status(srv, vid) == "pending"
    r = rita.post(url, data={"csrf_token": session_csrf(srv, rita)}, allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (303, f"/console/pending?done=approved&n={vid}")
    assert _status(srv, vid) == "approved"
    # Logging out is a state change too.
    assert rita.post(srv.url("/logout"), data={}, allow_redirects=False).status_code == 403
    r = rita.post(srv.url("/logout"), data={"csrf_token": session_csrf(srv, rita)}, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    r = rita.get(srv.url("/console/pending"), allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_five_failures_lock_the_login_with_a_message(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    s = requests.Session()
    s.headers["Accept-Language"] = "en"

    def attempt(password: str) -> requests.Response:
        token = csrf_of(s.get(srv.url("/login"), timeout=10).text)
        return s.post(
            srv.url("/login"),
            data={"username": "rita", "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )

    for _ in range(5):
        r = attempt("wrong password")
        assert r.status_code == 401 and "Wrong user name or password." in r.text
    r = attempt(PASSWORD)  # locked now, even with the right password
    assert r.status_code == 429 and 899 <= int(r.headers["retry-after"]) <= 901
    with srv.central.db.reading() as db:
        row = db.get(LoginThrottle, "pair:rita|127.0.0.1")
        assert row is not None and row.locked_until is not None
        at = local(row.locked_until, "%H:%M")
    assert f"Too many failed logins. Try again at {at} (in 15 min)." in r.text
    assert "lobby_session" not in r.headers.get("set-cookie", "")
    s.headers["Accept-Language"] = "zh-CN"
    assert f"登录失败次数过多，请于 {at}（15 分钟后）再试。" in attempt(PASSWORD).text


def test_redirects_after_login_and_language_switch_stay_on_this_site(
    central_sqlite_server: CentralServer,
) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        s = requests.Session()
        token = csrf_of(s.get(srv.url("/login"), timeout=10).text)
        r = s.post(
            srv.url("/login"),
            data={"username": "rita", "password": PASSWORD, "csrf_token": token, "next": evil},
            allow_redirects=False,
        )
        assert (r.status_code, r.headers["location"]) == (303, "/console/pending"), evil
        r = s.get(srv.url("/lang/en"), params={"next": evil}, allow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/"), evil


def test_language_follows_the_browser_until_the_viewer_chooses(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    s = requests.Session()
    s.headers["Accept-Language"] = "en-GB,en;q=0.9,zh;q=0.5"
    assert '<html lang="en">' in s.get(srv.url("/login")).text
    s.headers["Accept-Language"] = "fr-FR,zh-TW;q=0.8,en;q=0.7"
    page = s.get(srv.url("/login")).text
    assert '<html lang="zh-CN">' in page and "登录" in page
    r = s.get(srv.url("/lang/en"), params={"next": "/login"}, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    page = s.get(srv.url("/login")).text
    assert '<html lang="en">' in page and "User name" in page
    s.get(srv.url("/lang/xx"), params={"next": "/login"})  # unknown: ignored, still English
    assert '<html lang="en">' in s.get(srv.url("/login")).text
