"""Disabling, enabling and removing console users: a disabled user cannot log in, their
sessions end and their kiosk PIN leaves the PIN feed; never the last enabled admin; the
console's buttons (admins only, never on yourself)."""

from __future__ import annotations

import threading

import pytest
import requests
from argon2 import PasswordHasher

from central import web_auth
from central.errors import Conflict, NotFound, Unauthorized
from central.models import User, Visit
from central.services import users
from tests.fixtures.central import CentralServer
from tests.integration.console.support import create_visit, login, session_csrf

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_pins() -> None:
    users.set_pin_hasher(CHEAP)


def _feed(srv: CentralServer, token: str) -> dict[str, str]:
    r = srv.kiosk_session(token).get(srv.url("/api/v1/pins"), timeout=10)
    assert r.status_code == 200, r.text
    return {i["user"]: i["role"] for i in r.json()["items"]}


def test_disable_ends_sessions_logins_and_the_pin(central_server: CentralServer) -> None:
    srv = central_server
    token = srv.add_kiosk()
    for name, role in (("ada", "admin"), ("rita", "receptionist"), ("tom", "technician")):
        srv.add_user(name, role)
        users.set_pin(srv.central, name, "482916")
    assert _feed(srv, token) == {"ada": "admin", "rita": "receptionist", "tom": "technician"}
    s, _ = srv.login("rita")
    assert s.get(srv.url("/auth/me"), timeout=10).status_code == 200
    assert users.disable(srv.central, "rita") is True
    assert users.disable(srv.central, "rita") is False
    assert s.get(srv.url("/auth/me"), timeout=10).status_code == 401  # the session ended
    with pytest.raises(Unauthorized):
        web_auth.authenticate(srv.central, "rita", "correct horse battery", "10.0.0.1")
    assert _feed(srv, token) == {"ada": "admin", "tom": "technician"}
    assert users.enable(srv.central, "rita") is True
    assert users.enable(srv.central, "rita") is False
    assert web_auth.authenticate(srv.central, "rita", "correct horse battery", "10.0.0.1").username == "rita"
    assert "rita" in _feed(srv, token)


def test_never_the_last_enabled_admin(central_server: CentralServer) -> None:
    c = central_server.central
    central_server.add_user("ada", "admin")
    central_server.add_user("bob", "admin")
    central_server.add_user("rita", "receptionist")
    users.disable(c, "bob")
    for act in (users.disable, users.remove):
        with pytest.raises(Conflict, match="last enabled admin"):
            act(c, "ada")
    users.remove(c, "bob")  # a disabled admin is no admin anyone can log in as
    users.remove(c, "rita")
    assert [u.username for u in users.listing(c)] == ["ada"]
    with pytest.raises(NotFound):
        users.remove(c, "rita")


def test_two_admins_disabling_each_other_at_once_leave_one(central_server: CentralServer) -> None:
    c = central_server.central
    central_server.add_user("ada", "admin")
    central_server.add_user("bob", "admin")
    outcomes: list[str] = []

    def disable(name: str) -> None:
        try:
            users.disable(c, name)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=disable, args=(n,)) for n in ("ada", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"] and users.enabled_admins(c) == 1


def test_removing_keeps_the_record_without_the_account(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("ada", "admin")
    rita = srv.add_user("rita", "receptionist")
    token = srv.add_kiosk()
    visit_id = create_visit(srv, srv.kiosk_session(token))
    from central.services import visits

    visits.approve_visit(srv.central, visit_id, rita)
    users.remove(srv.central, "rita")
    with srv.central.db.reading() as s:
        v = s.get(Visit, visit_id)
        assert v is not None and v.status == "approved" and v.decided_by is None
        assert s.query(User).filter_by(username="rita").count() == 0


def test_console_buttons(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("ada", "admin")
    srv.add_user("rita", "receptionist")
    srv.add_user("tom", "technician")
    s = login(srv, "ada", **{"Accept-Language": "en"})
    csrf = session_csrf(srv, s)
    page = s.get(srv.url("/console/users"), timeout=10).text
    assert "/console/users/rita/disable" in page and "/console/users/ada/disable" not in page

    def post(path: str, **data: str) -> requests.Response:
        return s.post(srv.url(path), data={"csrf_token": csrf, **data}, timeout=10)

    assert s.post(srv.url("/console/users/rita/disable"), timeout=10).status_code == 403  # no CSRF
    r = post("/console/users/rita/disable")
    assert r.status_code == 200 and "User disabled" in r.text
    assert [u.disabled for u in users.listing(srv.central) if u.username == "rita"] == [True]
    assert "/console/users/rita/enable" in r.text
    assert "User enabled." in post("/console/users/rita/enable").text
    own = post("/console/users/ada/disable")
    assert own.status_code == 409 and "your own account" in own.text
    unsure = post("/console/users/tom/remove")
    assert unsure.status_code == 409 and "for good" in unsure.text
    assert "User removed." in post("/console/users/tom/remove", confirm="yes").text
    assert "tom" not in [u.username for u in users.listing(srv.central)]
    assert post("/console/users/nobody/disable").status_code == 409
    assert post("/console/users/rita/explode").status_code == 404
    assert post("/console/users/" + "x" * 65 + "/disable").status_code == 422
    # A receptionist may not touch users.
    rs = login(srv, "rita")
    r = rs.post(srv.url("/console/users/ada/disable"), data={"csrf_token": session_csrf(srv, rs)}, timeout=10)
    assert r.status_code == 403
    assert users.enabled_admins(srv.central) == 1
