"""Help calls: POST /api/v1/help-calls over real HTTP (kiosk token, repeats within a minute,
hostile requests), the console's live panel and "I'm going"."""

from __future__ import annotations

import threading
from datetime import timedelta

import requests

from central.models import HelpCall, utcnow
from central.services import help_calls
from tests.fixtures.central import CentralServer
from tests.integration.console.support import login, session_csrf

URL = "/api/v1/help-calls"


def _calls(srv: CentralServer) -> list[HelpCall]:
    with srv.central.db.reading() as s:
        return list(s.query(HelpCall).order_by(HelpCall.id))


def test_a_press_opens_a_call_and_repeats_join_it(central_server: CentralServer) -> None:
    srv = central_server
    k = srv.kiosk_session(srv.add_kiosk("Lobby east"))
    first = k.post(srv.url(URL), timeout=10)
    assert first.status_code == 201 and first.json()["created"] is True and first.json()["taken"] is False
    again = k.post(srv.url(URL), timeout=10)
    assert again.status_code == 200 and again.json() == first.json() | {"created": False}
    calls = _calls(srv)
    assert len(calls) == 1 and calls[0].presses == 2
    # Another kiosk's press is its own call.
    other = srv.kiosk_session(srv.add_kiosk("Gym door")).post(srv.url(URL), timeout=10)
    assert other.status_code == 201 and other.json()["call_id"] != first.json()["call_id"]
    assert [c.kiosk for c in help_calls.open_calls(srv.central)] == ["Lobby east", "Gym door"]


def test_the_minute_rule(central_server: CentralServer) -> None:
    srv = central_server
    c = srv.central
    k = srv.kiosk_session(srv.add_kiosk("Lobby"))
    call_id = k.post(srv.url(URL), timeout=10).json()["call_id"]
    kiosk_id = _calls(srv)[0].kiosk_id
    t0 = utcnow()
    # Still open after ten minutes: the same call, whatever the time.
    assert help_calls.press(c, kiosk_id, t0 + timedelta(minutes=10)).call_id == call_id
    rita = srv.add_user("rita", "receptionist")
    help_calls.take(c, call_id, rita, t0 + timedelta(minutes=10, seconds=5))
    # Taken: a press within a minute of the last press is that call (someone is on the way)...
    near = help_calls.press(c, kiosk_id, t0 + timedelta(minutes=10, seconds=59))
    assert (near.call_id, near.created, near.taken) == (call_id, False, True)
    # ...one a minute after the last press is a new call.
    later = help_calls.press(c, kiosk_id, t0 + timedelta(minutes=11, seconds=59))
    assert later.created and later.call_id != call_id


def test_concurrent_presses_make_one_call(central_server: CentralServer) -> None:
    srv = central_server
    token = srv.add_kiosk("Lobby")
    codes: list[int] = []

    def press() -> None:
        codes.append(srv.kiosk_session(token).post(srv.url(URL), timeout=30).status_code)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 7 + [201]
    calls = _calls(srv)
    assert len(calls) == 1 and calls[0].presses == 8


def test_hostile_requests_are_refused_and_store_nothing(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    token = srv.add_kiosk("Lobby")
    url = srv.url(URL)
    assert requests.post(url, timeout=10).status_code == 401
    for header in ("Bearer " + "x" * 40, "Basic " + token, "Bearer " + "x" * 5000, "Bearer", token):
        assert requests.post(url, headers={"Authorization": header}, timeout=10).status_code == 401
    k = srv.kiosk_session(token)
    assert k.post(url, data=b"x" * (2 * 1024 * 1024), timeout=30).status_code == 413
    assert k.get(url, timeout=10).status_code == 405
    assert _calls(srv) == []
    # A body is not read at all: garbage or JSON, the press counts once.
    assert k.post(url, data=b"\xff\x00{", headers={"content-type": "application/json"},
                  timeout=10).status_code == 201
    from central.services import kiosks

    kiosks.revoke_kiosk(srv.central, _calls(srv)[0].kiosk_id)
    assert k.post(url, timeout=10).status_code == 401
    assert [c.presses for c in _calls(srv)] == [1]


def test_console_shows_calls_live_and_records_who_took_one(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    srv.add_user("tom", "technician")
    k = srv.kiosk_session(srv.add_kiosk("Lobby east"))
    s = login(srv, "rita", **{"Accept-Language": "en"})
    empty = s.get(srv.url("/console/help/live?wait=0"), timeout=10).json()
    assert empty["count"] == 0 and "Nobody is asking for help." in empty["html"]
    result: dict[str, object] = {}

    def wait_live() -> None:
        result["r"] = s.get(srv.url(f"/console/help/live?fp={empty['fp']}&wait=20"), timeout=30).json()

    waiter = threading.Thread(target=wait_live)
    waiter.start()
    call_id = k.post(srv.url(URL), timeout=10).json()["call_id"]
    waiter.join(timeout=30)
    live = result["r"]
    assert isinstance(live, dict) and live["count"] == 1 and "Lobby east" in live["html"]
    assert f"/console/help/{call_id}/take" in live["html"]
    # The pending page carries the panel and its script; the help page lists the call.
    assert 'id="help-panel"' in s.get(srv.url("/console/pending"), timeout=10).text
    assert "Lobby east" in s.get(srv.url("/console/help"), timeout=10).text
    # A technician does not run the desk.
    tom = login(srv, "tom")
    assert tom.get(srv.url("/console/help"), timeout=10, allow_redirects=False).status_code == 403
    # Take: CSRF needed; then it leaves the open list with who and when.
    csrf = session_csrf(srv, s)
    assert s.post(srv.url(f"/console/help/{call_id}/take"), timeout=10).status_code == 403
    r = s.post(srv.url(f"/console/help/{call_id}/take"), data={"csrf_token": csrf}, timeout=10)
    assert r.status_code == 200 and "You took the help call" in r.text
    assert help_calls.open_calls(srv.central) == []
    taken = help_calls.recently_taken(srv.central)
    assert [(c.id, c.taken_by) for c in taken] == [(call_id, "rita")] and taken[0].taken_at is not None
    again = s.post(srv.url(f"/console/help/{call_id}/take"), data={"csrf_token": csrf}, timeout=10)
    assert "Someone else took that help call already." in again.text
    for bad in ("0", "99999999999", "abc", "-1"):
        assert s.post(srv.url(f"/console/help/{bad}/take"), data={"csrf_token": csrf},
                      timeout=10).status_code == 422
    gone = s.post(srv.url("/console/help/424242/take"), data={"csrf_token": csrf}, timeout=10)
    assert "That help call is gone." in gone.text
    assert s.get(srv.url("/console/help/live?wait=99"), timeout=10).status_code == 422
    assert s.get(srv.url("/console/help/live?fp=" + "a" * 65), timeout=10).status_code == 422
