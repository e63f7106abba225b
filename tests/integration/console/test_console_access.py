"""Every console route against every role, over real HTTP: anonymous → 303 to the login page,
a role without the page → 403, the right roles → the page. POSTs need the session's CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from central import roles
from central.services import invitations, members
from tests.fixtures.central import CentralServer

from .support import create_visit, login, session_csrf

RECEPTION = {"receptionist", "admin"}
ADMIN = {"admin"}
EVERYONE = {"receptionist", "technician", "admin"}
ROLES = ("receptionist", "admin", "technician")

GET_ROUTES = [
    ("/console/pending", RECEPTION),
    ("/console/pending/live?wait=0", RECEPTION),
    ("/console/onsite", RECEPTION),
    ("/console/log", RECEPTION),
    ("/console/log.csv", RECEPTION),
    ("/console/invitations", RECEPTION),
    ("/console/invitations/{inv}", RECEPTION),
    ("/console/overdraws", RECEPTION),
    ("/console/overdraws?show=settled", RECEPTION),
    ("/console/blocklist", RECEPTION),
    ("/console/members", RECEPTION),
    ("/console/members/edit", RECEPTION),
    ("/console/members/view?no=R1", RECEPTION),
    ("/console/entrances", RECEPTION),
    ("/console/entrances.csv", RECEPTION),
    ("/console/kiosks", EVERYONE),
    ("/console/users", ADMIN),
]
# Bodies chosen so an allowed request changes nothing (unknown ids, empty forms).
POST_ROUTES = [
    ("/console/visits/999999/approve", {}, RECEPTION),
    ("/console/visits/999999/deny", {"reason": "x"}, RECEPTION),
    ("/console/invitations", {}, RECEPTION),
    ("/console/invitations/999999/revoke", {}, RECEPTION),
    ("/console/overdraws/999999/resolve", {"note": "waived"}, RECEPTION),
    ("/console/overuses/999999/resolve", {"note": "waived"}, RECEPTION),
    ("/console/blocklist", {}, RECEPTION),
    ("/console/blocklist/999999/remove", {}, RECEPTION),
    ("/console/members/save", {}, RECEPTION),
    ("/console/members/delete", {"member_no": "nobody"}, RECEPTION),
    ("/console/members/import", {}, RECEPTION),
    ("/console/users", {}, ADMIN),
]


@pytest.fixture
def populated(central_sqlite_server: CentralServer) -> CentralServer:
    srv = central_sqlite_server
    for role in ROLES:
        srv.add_user(role, role)
    kiosk = srv.kiosk_session(srv.add_kiosk("Lobby A"))
    create_visit(srv, kiosk)
    csv_text = "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    row = "R1,王五,,gym,2026-01-01,2099-12-31,active,\n"
    assert not members.import_csv(srv.central, (csv_text + row).encode()).errors
    now = datetime.now(UTC)
    inv = invitations.create(srv.central, None, "李四", "B-0801", now, now + timedelta(hours=2))
    srv.invitation_id = inv.id  # type: ignore[attr-defined]
    return srv


def _is_login_redirect(r: requests.Response) -> bool:
    return r.status_code == 303 and r.headers["location"].startswith("/login")


def test_every_route_for_every_role(populated: CentralServer) -> None:
    srv = populated
    sessions: dict[str, requests.Session] = {"anonymous": requests.Session()}
    sessions.update({role: login(srv, role) for role in ROLES})
    tokens = {role: session_csrf(srv, sessions[role]) for role in ROLES}
    problems = []
    for template, allowed in GET_ROUTES:
        path = template.format(inv=srv.invitation_id)  # type: ignore[attr-defined]
        for who, s in sessions.items():
            r = s.get(srv.url(path), allow_redirects=False, timeout=10)
            if who == "anonymous":
                ok = _is_login_redirect(r) and r.headers["location"].startswith("/login?next=/console/")
            elif who in allowed:
                ok = r.status_code == 200
            else:
                ok = r.status_code == 403
            if not ok:
                problems.append(f"GET {path} as {who}: {r.status_code} {r.headers.get('location', '')}")
    for path, body, allowed in POST_ROUTES:
        for who, s in sessions.items():
            data = dict(body, csrf_token=tokens.get(who, "x"))
            r = s.post(srv.url(path), data=data, allow_redirects=False, timeout=10)
            if who == "anonymous":
                ok = _is_login_redirect(r)
            elif who in allowed:
                ok = r.status_code in (303, 422) and not _is_login_redirect(r)
            else:
                ok = r.status_code == 403
            if not ok:
                problems.append(f"POST {path} as {who}: {r.status_code}")
    assert problems == []


def test_home_sends_each_role_to_its_first_page(populated: CentralServer) -> None:
    expected = {
        "receptionist": "/console/pending",
        "admin": "/console/pending",
        "technician": "/console/kiosks",
    }
    for role, home in expected.items():
        s = login(populated, role)
        for path in ("/", "/console/"):
            r = s.get(populated.url(path), allow_redirects=False, timeout=10)
            assert (r.status_code, r.headers["location"]) == (303, home)
    r = requests.get(populated.url("/"), allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (303, "/login")


def test_forbidden_page_is_a_page_in_the_viewers_language(populated: CentralServer) -> None:
    s = login(populated, "technician", **{"Accept-Language": "zh-CN,zh;q=0.9"})
    r = s.get(populated.url("/console/pending"), timeout=10)
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"]
    assert "您的角色无权打开此页面" in r.text


def test_each_roles_navigation_lists_exactly_the_pages_the_table_gives_it(populated: CentralServer) -> None:
    table = roles.pages()
    for role in ROLES:
        s = login(populated, role)
        r = s.get(populated.url("/console/kiosks"), timeout=10)  # a page every role may open
        assert r.status_code == 200, role
        nav = r.text.split("<nav>", 1)[1].split("</nav>", 1)[0]
        links = re.findall(r'<a href="/console/([a-z]+)"', nav)
        assert links and set(links) <= table.keys(), (role, links)
        assert len(links) == len(set(links)) and set(links) == {p for p, who in table.items() if role in who}
