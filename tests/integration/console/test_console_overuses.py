"""Visitor pass overuses in the console over real HTTP: two offline kiosks each admit a
single-entry pass (their visitor_entry events posted as the sync worker does); reception sees the
one overuse beside the member overdraws, with the visitor's masked name and host, counted in the
navigation badge, and settles it with a note (CSRF token needed); technicians may not."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from central.errors import Invalid
from central.services import members, overdraw, pass_entries, visits
from tests.fixtures.central import CentralServer

from .support import create_visit, login, session_csrf

_OVERUSE = re.compile(r'<tr data-overuse="(\d+)">(.*?)</tr>', re.S)
_OVERDRAW = re.compile(r'<tr data-overdraw="(\d+)">(.*?)</tr>', re.S)
_NAV = re.compile(r'id="nav-overdraws"[^>]*>(\d+)<')
MEMBERS_CSV = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "OD1,欧阳小明,04A1B2C3,gym,2026-01-01,2099-12-31,active,1\n"
).encode()


def visitor_entry(pass_id: int, visit_id: int, at: datetime) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "occurred_at": at.isoformat(), "kind": "visitor_entry",
            "facility": "gym", "pass_id": pass_id, "visit_id": visit_id, "outcome": "granted"}  # fmt: skip


def member_visit(at: datetime) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "occurred_at": at.isoformat(), "kind": "member_entry",
            "facility": "gym", "member_no": "OD1", "outcome": "granted",
            "reason": overdraw.VISIT_USED}  # fmt: skip


@pytest.fixture
def overused(central_sqlite_server: CentralServer) -> CentralServer:
    """One single-entry pass admitted by two offline kiosks, and one member visit overdrawn."""
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    srv.add_user("tom", "technician")
    assert not members.import_csv(srv.central, MEMBERS_CSV).errors
    a, b = (srv.kiosk_session(srv.add_kiosk(n)) for n in ("Gate A", "Gate B"))
    visit_id = create_visit(srv, a, name="张三丰", host="Unit 12-301")
    approved = visits.approve_visit(srv.central, visit_id, None, entries=1)
    assert approved.pass_ is not None
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    for k, at in ((a, t0), (b, t0 + timedelta(minutes=1))):
        events = [visitor_entry(approved.pass_.pass_id, visit_id, at), member_visit(at)]
        r = k.post(srv.url("/api/v1/events"), json={"events": events}, timeout=10)
        assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    srv.pass_id, srv.visit_id = approved.pass_.pass_id, visit_id  # type: ignore[attr-defined]
    return srv


def nav_count(html: str) -> int:
    m = _NAV.search(html)
    return int(m.group(1)) if m else 0


def test_reception_sees_the_overuse_beside_overdraws_and_settles_it(overused: CentralServer) -> None:
    srv = overused
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    page = rita.get(srv.url("/console/overdraws"), timeout=10).text
    (ou_id, row), = _OVERUSE.findall(page)
    assert "Gate B" in row and "Gate A" not in row  # the later admission is the extra one
    assert str(srv.pass_id) in row and str(srv.visit_id) in row  # type: ignore[attr-defined]
    assert "张*丰" in row and "Unit 12-301" in row and "张三丰" not in page
    assert len(_OVERDRAW.findall(page)) == 1
    assert nav_count(page) == 2  # one overdraw + one overuse, on every page
    assert nav_count(rita.get(srv.url("/console/pending"), timeout=10).text) == 2
    (od,) = overdraw.list_overdraws(srv.central)
    assert int(ou_id) == od.id  # the same number: resolving one must not touch the other

    url = srv.url(f"/console/overuses/{ou_id}/resolve")
    assert rita.post(url, data={"note": "left at once"}, allow_redirects=False, timeout=10).status_code == 403
    token = session_csrf(srv, rita)
    for bad in ("", "  ", "x" * 201, "left\u202eat once"):
        r = rita.post(url, data={"csrf_token": token, "note": bad}, allow_redirects=False, timeout=10)
        assert r.status_code == 422, bad
    r = rita.post(url, data={"csrf_token": token, "note": "too long " * 30}, timeout=10)
    assert "Write what was decided" in r.text
    assert pass_entries.count_unresolved(srv.central) == 1

    r = rita.post(url, data={"csrf_token": token, "note": " host  vouched;\nvisitor left "},
                  allow_redirects=False, timeout=10)  # fmt: skip
    assert (r.status_code, r.headers["location"]) == (303, "/console/overdraws?done=resolved")
    after = rita.get(srv.url(r.headers["location"]), timeout=10).text
    assert _OVERUSE.findall(after) == [] and "Marked as settled." in after and nav_count(after) == 1
    assert overdraw.count_unresolved(srv.central) == 1  # the overdraw with the same id is still open
    settled = rita.get(srv.url("/console/overdraws?show=settled"), timeout=10).text
    ((sid, srow),) = _OVERUSE.findall(settled)
    assert sid == ou_id and "host vouched; visitor left" in srow
    assert _OVERDRAW.findall(settled) == []
    (view,) = pass_entries.list_overuses(srv.central, unresolved_only=False)
    assert view.note == "host vouched; visitor left" and view.resolved_at is not None

    r = rita.post(srv.url("/console/overuses/999999/resolve"), data={"csrf_token": token, "note": "x"},
                  allow_redirects=False, timeout=10)  # fmt: skip
    assert r.headers["location"] == "/console/overdraws?done=gone"


def test_a_refused_note_stays_in_its_own_row(overused: CentralServer) -> None:
    srv = overused
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    (ou_id, _), = _OVERUSE.findall(rita.get(srv.url("/console/overdraws"), timeout=10).text)
    r = rita.post(srv.url(f"/console/overuses/{ou_id}/resolve"),
                  data={"csrf_token": session_csrf(srv, rita), "note": "y" * 201}, timeout=10)  # fmt: skip
    assert r.status_code == 422
    # Put back (cut to the column's width) in the overuse's row, not in the overdraw's of the same id.
    (_, overuse_row), = _OVERUSE.findall(r.text)
    (od_id, overdraw_row), = _OVERDRAW.findall(r.text)
    assert od_id == ou_id
    assert 'value="' + "y" * 200 + '"' in overuse_row and 'value=""' in overdraw_row


def test_the_service_refuses_a_note_it_cannot_store(overused: CentralServer) -> None:
    (ou,) = pass_entries.list_overuses(overused.central)
    with pytest.raises(Invalid):
        pass_entries.resolve(overused.central, ou.id, None, "left\u202eat once")
    assert pass_entries.count_unresolved(overused.central) == 1


def test_technician_may_not_settle_an_overuse(overused: CentralServer) -> None:
    srv = overused
    tom = login(srv, "tom")
    (ou,) = pass_entries.list_overuses(srv.central)
    r = tom.post(srv.url(f"/console/overuses/{ou.id}/resolve"),
                 data={"csrf_token": session_csrf(srv, tom), "note": "waived"}, timeout=10)  # fmt: skip
    assert r.status_code == 403
    assert pass_entries.count_unresolved(srv.central) == 1
