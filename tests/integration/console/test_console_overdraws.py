"""Overdrawn visits in the console over real HTTP: two kiosks spend a member's last visit (their
events posted to /api/v1/events as the sync worker does), reception sees the one overdraw with
a masked name, the navigation badge and the member page show it, and settling it needs the
CSRF token and a note; technicians may not see or settle it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from central.services import members, overdraw
from tests.fixtures.central import CentralServer

from .support import login, session_csrf

MEMBERS_CSV = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "OD1,欧阳小明,04A1B2C3,gym,2026-01-01,2099-12-31,active,1\n"
).encode()
_ROW = re.compile(r'<tr data-overdraw="(\d+)">(.*?)</tr>', re.S)
_NAV = re.compile(r'id="nav-overdraws"[^>]*>(\d+)<')


def entry(member_no: str, at: datetime) -> dict[str, Any]:
    """An entry that spent one visit, as the kiosk's outbox sends it (kiosk.sync.outbox)."""
    return {"event_id": str(uuid.uuid4()), "occurred_at": at.isoformat(), "kind": "member_entry",
            "facility": "gym", "member_no": member_no, "outcome": "granted",
            "reason": overdraw.VISIT_USED}  # fmt: skip


@pytest.fixture
def overdrawn(central_sqlite_server: CentralServer) -> CentralServer:
    """One member with one visit left, admitted by two offline kiosks that then sync."""
    srv = central_sqlite_server
    for name, role in (("rita", "receptionist"), ("ada", "admin"), ("tom", "technician")):
        srv.add_user(name, role)
    assert not members.import_csv(srv.central, MEMBERS_CSV).errors
    gym, pool = (srv.kiosk_session(srv.add_kiosk(n)) for n in ("Gym gate", "Pool gate"))
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    for k, at in ((gym, t0), (pool, t0 + timedelta(seconds=40))):
        r = k.post(srv.url("/api/v1/events"), json={"events": [entry("OD1", at)]}, timeout=10)
        assert (r.status_code, r.json()) == (200, {"accepted": 1, "duplicates": 0}), r.text
    return srv


def rows(html: str) -> dict[int, str]:
    return {int(i): body for i, body in _ROW.findall(html)}


def nav_count(html: str) -> int:
    m = _NAV.search(html)
    return int(m.group(1)) if m else 0


def test_reception_sees_the_overdraw_and_settles_it_with_a_note(overdrawn: CentralServer) -> None:
    srv = overdrawn
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    page = rita.get(srv.url("/console/overdraws"), timeout=10)
    assert page.status_code == 200
    found = rows(page.text)
    assert len(found) == 1
    (od_id, row), = found.items()
    # The later admission (Pool gate) is the one the package could not cover.
    assert "OD1" in row and "Pool gate" in row and "Gym gate" not in row and "gym" in row
    assert "欧阳*明" in row and "欧阳小明" not in page.text  # the name is masked for reception
    assert 'href="/console/members/edit' in row  # reception may open the member's page
    assert nav_count(page.text) == 1
    assert nav_count(rita.get(srv.url("/console/pending"), timeout=10).text) == 1  # on every page

    admin = login(srv, "ada", **{"Accept-Language": "en"})
    edit = admin.get(srv.url("/console/members/edit"), params={"no": "OD1"}, timeout=10).text
    m = re.search(r'<p class="warn" id="member-overdraws"[^>]*>(.*?)</p>', edit, re.S)
    assert m and "not settled yet: 1." in m.group(1) and "Pool gate" in m.group(1)

    url = srv.url(f"/console/overdraws/{od_id}/resolve")
    r = rita.post(url, data={"note": "charged to the next package"}, allow_redirects=False, timeout=10)
    assert r.status_code == 403  # no CSRF token
    token = session_csrf(srv, rita)
    for bad in ("", "   ", "x" * 201):
        r = rita.post(url, data={"csrf_token": token, "note": bad}, allow_redirects=False, timeout=10)
        assert r.status_code == 422 and "Write what was decided" in r.text, bad
    assert overdraw.count_unresolved(srv.central) == 1

    r = rita.post(url, data={"csrf_token": token, "note": " charged to\nthe next package "},
                  allow_redirects=False, timeout=10)  # fmt: skip
    assert (r.status_code, r.headers["location"]) == (303, "/console/overdraws?done=resolved")
    after = rita.get(srv.url(r.headers["location"]), timeout=10).text
    assert rows(after) == {} and "Marked as settled." in after and nav_count(after) == 0
    settled = rows(rita.get(srv.url("/console/overdraws?show=settled"), timeout=10).text)
    assert list(settled) == [od_id] and "charged to the next package" in settled[od_id]
    (view,) = overdraw.list_overdraws(srv.central, unresolved_only=False)
    assert view.resolved_at is not None and view.note == "charged to the next package"
    edit = admin.get(srv.url("/console/members/edit"), params={"no": "OD1"}, timeout=10).text
    assert 'id="member-overdraws"' not in edit

    # Settling again is harmless and keeps the first note; an unknown id is reported.
    r = rita.post(url, data={"csrf_token": token, "note": "waived"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert overdraw.list_overdraws(srv.central, unresolved_only=False)[0].note == view.note
    r = rita.post(srv.url("/console/overdraws/999999/resolve"), data={"csrf_token": token, "note": "x"},
                  allow_redirects=False, timeout=10)  # fmt: skip
    assert r.headers["location"] == "/console/overdraws?done=gone"


def test_technician_may_neither_see_nor_settle_overdraws(overdrawn: CentralServer) -> None:
    srv = overdrawn
    tom = login(srv, "tom", **{"Accept-Language": "en"})
    assert tom.get(srv.url("/console/overdraws"), timeout=10).status_code == 403
    kiosks_page = tom.get(srv.url("/console/kiosks"), timeout=10).text
    assert "/console/overdraws" not in kiosks_page and nav_count(kiosks_page) == 0
    (od,) = overdraw.list_overdraws(srv.central)
    r = tom.post(srv.url(f"/console/overdraws/{od.id}/resolve"),
                 data={"csrf_token": session_csrf(srv, tom), "note": "waived"}, timeout=10)  # fmt: skip
    assert r.status_code == 403
    assert overdraw.count_unresolved(srv.central) == 1


def test_the_page_in_chinese_and_hostile_parameters(overdrawn: CentralServer) -> None:
    srv = overdrawn
    rita = login(srv, "rita", **{"Accept-Language": "zh-CN"})
    page = rita.get(srv.url("/console/overdraws"), timeout=10).text
    assert "超次入场" in page and "标记为已处理" in page
    for show in ("nonsense", "<script>", "settled" * 2):
        r = rita.get(srv.url("/console/overdraws"), params={"show": show}, timeout=10)
        assert r.status_code in (200, 422) and "<script>" not in r.text
    token = session_csrf(srv, rita)
    for bad_id in ("0", "-1", "99999999999999999999", "abc"):
        r = rita.post(srv.url(f"/console/overdraws/{bad_id}/resolve"),
                      data={"csrf_token": token, "note": "x"}, allow_redirects=False, timeout=10)
        assert r.status_code == 422, (bad_id, r.status_code)
    assert overdraw.count_unresolved(srv.central) == 1


def test_anonymous_is_sent_to_log_in(overdrawn: CentralServer) -> None:
    r = requests.get(overdrawn.url("/console/overdraws"), allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/console/overdraws")
