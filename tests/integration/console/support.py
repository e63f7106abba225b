"""Helpers for the console tests (integration and e2e): log in through the HTML form, read CSRF
tokens from pages, register visits as a kiosk does, and make valid resident ID numbers."""

from __future__ import annotations

import re
import uuid
from typing import Any

import requests
from stdnum.cn import ric

from tests.fixtures.central import CentralServer

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def resident_id(seq: int, birth: str = "19900307", area: str = "110105") -> str:
    """A valid 18-digit Chinese resident ID number (checksum and all)."""
    body = f"{area}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last digit it is given


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no csrf_token field in the page"
    return m.group(1)


def login(srv: CentralServer, username: str, password: str = PASSWORD, **headers: str) -> requests.Session:
    """A browser-like session logged in through GET+POST /login (the console's own form)."""
    s = requests.Session()
    s.headers.update(headers)
    page = s.get(srv.url("/login"), timeout=10)
    r = s.post(
        srv.url("/login"),
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303, (r.status_code, r.text[:300])
    return s


def session_csrf(srv: CentralServer, s: requests.Session) -> str:
    """The session's CSRF token, read from /auth/me (any role may call it)."""
    r = s.get(srv.url("/auth/me"), timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def visit_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "id_type": "cn_ric",
        "id_number": resident_id(1),
        "name": "张三",
        "mobile": "13800138000",
        "host": "A-1203",
        "purpose": "拜访",
        "party_size": 1,
    }
    body.update(over)
    return body


def create_visit(srv: CentralServer, kiosk: requests.Session, **over: Any) -> int:
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(**over), timeout=10)
    assert r.status_code == 201, r.text
    return int(r.json()["visit_id"])
