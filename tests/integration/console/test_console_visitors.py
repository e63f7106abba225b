"""The console's side of visitors at the kiosk, over real HTTP: every route with an id in its
path answers 404 or 422 (never 500) for any integer; the typed-text rule on every form a person
types into; ID refusals translated; the host directory page (reception, not technicians)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.models import BlocklistEntry, Host, Invitation, Member, Visit
from central.services import hosts, members, overdraw
from lobby_core.masking import mask_id_number
from tests.fixtures.central import CentralServer

from .support import create_visit, login, resident_id, session_csrf

MEMBERS_CSV = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "OD1,欧阳小明,04A1B2C3,gym,2026-01-01,2099-12-31,active,1\n"
).encode()


@pytest.fixture
def desk(central_sqlite_server: CentralServer) -> tuple[CentralServer, requests.Session, str]:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    s = login(srv, "rita", **{"Accept-Language": "zh-CN"})
    return srv, s, session_csrf(srv, s)


def _count(srv: CentralServer, model: type) -> int:
    with srv.central.db.reading() as s:
        return int(s.query(model).count())


# -- ids in paths -----------------------------------------------------------------------------

# Every console route with an id in its path, and the form it posts (CSRF added below).
ID_ROUTES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/console/invitations/{invitation_id}"): {},
    ("POST", "/console/invitations/{invitation_id}/revoke"): {},
    ("POST", "/console/blocklist/{entry_id}/remove"): {},
    ("POST", "/console/visits/{visit_id}/approve"): {},
    ("POST", "/console/visits/{visit_id}/deny"): {"reason": "no"},
    ("POST", "/console/visits/{visit_id}/checkout"): {},
    ("POST", "/console/overdraws/{overdraw_id}/resolve"): {"note": "waived"},
    ("POST", "/console/overuses/{overuse_id}/resolve"): {"note": "waived"},
    ("POST", "/console/hosts/{host_id}/remove"): {},
    ("GET", "/console/kiosks/{kiosk_id}"): {},
    ("POST", "/console/kiosks/{kiosk_id}/actions"): {"action": "pulse"},
    ("GET", "/console/kiosks/bundles/{action_id}"): {},
    ("POST", "/console/help/{call_id}/take"): {},
}
# Technicians' and admins' only: the receptionist these tests run as is refused (403) first.
TECHNICAL_ROUTES = {
    ("POST", "/console/kiosks/{kiosk_id}/actions"),
    ("GET", "/console/kiosks/bundles/{action_id}"),
}
HOSTILE_IDS = ["0", "-1", "-2147483649", "2000000001", "2147483648", "9223372036854775808",
               "1" + "0" * 24, "-" + "9" * 25]  # fmt: skip


def test_the_list_of_id_routes_is_every_console_route_with_an_id() -> None:
    from central.console import app as console_app

    routers = [getattr(console_app, name).router for name in dir(console_app) if name.startswith("routes_")]
    found = {
        (m, r.path) for router in routers for r in router.routes
        if re.search(r"\{\w+_id\}", getattr(r, "path", ""))
        for m in getattr(r, "methods", ()) if m != "HEAD"
    }  # fmt: skip
    assert len(routers) >= 4 and found == set(ID_ROUTES)


@pytest.mark.parametrize("route", list(ID_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_any_integer_id_is_404_or_422_never_500(desk: Any, route: tuple[str, str]) -> None:
    srv, s, token = desk
    method, path = route
    for bad in HOSTILE_IDS:
        url = srv.url(re.sub(r"\{\w+\}", bad, path))
        r = s.request(method, url, data={"csrf_token": token, **ID_ROUTES[route]}, allow_redirects=False)
        assert r.status_code in (404, 422), (url, r.status_code, r.text[:200])
    # An id in range that names nothing is not an error of the request: the page says it is gone.
    r = s.request(method, srv.url(re.sub(r"\{\w+\}", "1999999999", path)),
                  data={"csrf_token": token, **ID_ROUTES[route]}, allow_redirects=False)  # fmt: skip
    assert r.status_code in ((403,) if route in TECHNICAL_ROUTES else (303, 404)), r.status_code


# -- the typed-text rule on the console's forms ----------------------------------------------

HOSTILE = ["\x00", "\x1b", "\u202e", "\u200b", "\ue000", "\u2066"]


def _forms(srv: CentralServer, token: str) -> dict[str, tuple[str, dict[str, str], type]]:
    """name -> (path, good form, the table a success would write to)."""
    now = datetime.now().astimezone()
    return {
        "invitation": ("/console/invitations", {
            "csrf_token": token, "visitor_name": "Zhao Liu", "host": "3栋1201",
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "entries": "1",
        }, Invitation),
        "blocklist": ("/console/blocklist", {
            "csrf_token": token, "id_type": "cn_ric", "id_number": resident_id(41), "name": "赵六",
            "reason": "trespass",
        }, BlocklistEntry),
        "member": ("/console/members/save", {
            "csrf_token": token, "member_no": "M100", "name": "陈静", "card_uid": "04A1B2C9",
            "facilities": "gym", "valid_from": "2026-01-01", "valid_until": "2099-06-30",
            "status": "active", "visits_remaining": "",
        }, Member),
        "host": ("/console/hosts", {
            "csrf_token": token, "kind": "unit", "label": "3栋1201", "detail": "Zhang",
        }, Host),
    }  # fmt: skip


TYPED_FIELDS = [("invitation", "visitor_name"), ("invitation", "host"), ("blocklist", "name"),
                ("blocklist", "reason"), ("member", "name"), ("host", "label"),
                ("host", "detail")]  # fmt: skip


@pytest.mark.parametrize("target", TYPED_FIELDS, ids="-".join)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.sampled_from(HOSTILE), at=st.integers(0, 3))
def test_console_forms_refuse_hostile_characters(
    desk: Any, target: tuple[str, str], bad: str, at: int
) -> None:
    srv, s, token = desk
    path, form, table = _forms(srv, token)[target[0]]
    good = form[target[1]]
    before = _count(srv, table)
    r = s.post(srv.url(path), data={**form, target[1]: good[:at] + bad + good[at:]}, allow_redirects=False)
    assert r.status_code == 422, (target, repr(bad), r.status_code)
    assert "无法保存" in r.text, r.text[-3000:]
    assert _count(srv, table) == before


def test_the_same_forms_accept_the_clean_text(desk: Any) -> None:
    srv, s, token = desk
    for name, (path, form, table) in _forms(srv, token).items():
        before = _count(srv, table)
        r = s.post(srv.url(path), data=form, allow_redirects=False)
        assert r.status_code == 303, (name, r.status_code, r.text[:500])
        assert _count(srv, table) == before + 1, name


def test_a_deny_reason_with_hostile_characters_is_not_stored(desk: Any) -> None:
    srv, s, token = desk
    kiosk = srv.kiosk_session(srv.add_kiosk())
    vid = create_visit(srv, kiosk)
    for bad in HOSTILE:
        r = s.post(srv.url(f"/console/visits/{vid}/deny"),
                   data={"csrf_token": token, "reason": f"no{bad}way"},
                   allow_redirects=False)  # fmt: skip
        assert r.status_code == 303 and "done=bad_reason" in r.headers["location"], repr(bad)
    assert "原因含有无法保存的字符" in s.get(srv.url("/console/pending?done=bad_reason")).text
    with srv.central.db.reading() as ss:
        v = ss.get(Visit, vid)
        assert v is not None and (v.status, v.deny_reason) == ("pending", None)
    # Several lines are a reason's right; they are kept.
    r = s.post(srv.url(f"/console/visits/{vid}/deny"), data={"csrf_token": token, "reason": "no\r\nhost"},
               allow_redirects=False)  # fmt: skip
    assert "done=denied" in r.headers["location"]
    with srv.central.db.reading() as ss:
        assert ss.get(Visit, vid).deny_reason == "no\nhost"  # type: ignore[union-attr]


def test_an_overdraw_note_with_hostile_characters_is_not_stored(desk: Any) -> None:
    srv, s, token = desk
    assert not members.import_csv(srv.central, MEMBERS_CSV).errors
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    for n, name in enumerate(("Gym gate", "Pool gate")):
        k = srv.kiosk_session(srv.add_kiosk(name))
        event = {"event_id": str(uuid.uuid4()), "occurred_at": (t0 + timedelta(seconds=40 * n)).isoformat(),
                 "kind": "member_entry", "facility": "gym", "member_no": "OD1", "outcome": "granted",
                 "reason": overdraw.VISIT_USED}  # fmt: skip
        assert k.post(srv.url("/api/v1/events"), json={"events": [event]}).status_code == 200
    (od,) = overdraw.list_overdraws(srv.central)
    for bad in HOSTILE:
        r = s.post(srv.url(f"/console/overdraws/{od.id}/resolve"),
                   data={"csrf_token": token, "note": f"waived{bad}ok"})  # fmt: skip
        assert r.status_code == 422 and "备注含有无法保存的字符" in r.text, repr(bad)
    assert overdraw.count_unresolved(srv.central) == 1
    with pytest.raises(Exception, match="control characters"):
        overdraw.resolve(srv.central, od.id, None, "waived\x00")  # the service holds the rule too
    assert overdraw.count_unresolved(srv.central) == 1


# -- ID refusals, translated ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"id_type": "passport", "id_number": "E12345678"}, "护照需要填写签发国家。"),
        (
            {"id_type": "passport", "id_number": "E12345678", "id_country": "XX"},
            "签发国家不是 ISO 3166 国家代码。",
        ),
        (
            {"id_type": "passport", "id_number": resident_id(7), "id_country": "CHN"},
            "此号码是居民身份证或居住证号码，请选择相应的证件类型。",
        ),
        (
            {"id_type": "other", "id_number": resident_id(7)},
            "此号码是居民身份证或居住证号码，请选择相应的证件类型。",
        ),
        ({"id_type": "cn_ric", "id_number": resident_id(7)[:-1]}, "证件号码长度与此类证件不符。"),
        ({"id_type": "hmt_res_permit", "id_number": resident_id(7)}, "证件号码的地区代码无效。"),
    ],
)
def test_blocklist_form_shows_id_refusals_translated(desk: Any, form: dict[str, str], message: str) -> None:
    srv, s, token = desk
    r = s.post(srv.url("/console/blocklist"), data={"csrf_token": token, "reason": "x", **form})
    assert r.status_code == 422 and message in r.text
    assert form["id_number"] not in r.text
    en = s.post(srv.url("/console/blocklist"), data={"csrf_token": token, "reason": "x", **form},
                headers={"Accept-Language": "en"}, cookies={"lobby_lang": "en"})  # fmt: skip
    assert en.status_code == 422 and message not in en.text and 'class="error"' in en.text
    assert _count(srv, BlocklistEntry) == 0


def test_a_passport_with_its_country_is_listed_and_shown_with_it(desk: Any) -> None:
    srv, s, token = desk
    r = s.post(srv.url("/console/blocklist"), data={"csrf_token": token, "id_type": "passport",
               "id_number": "E12345678", "id_country": "gb", "reason": "trespass"})  # fmt: skip
    assert r.status_code == 200 and "E12345678" not in r.text and mask_id_number("E12345678") in r.text
    kiosk = srv.kiosk_session(srv.add_kiosk())
    vid = create_visit(srv, kiosk, id_type="other", id_number="E12345678")  # another type: still caught
    pending = s.get(srv.url("/console/pending")).text
    assert "E12345678" not in pending
    with srv.central.db.reading() as ss:
        assert ss.get(Visit, vid).blocklisted  # type: ignore[union-attr]
    create_visit(srv, kiosk, id_type="passport", id_number="G7654321", id_country="USA")
    assert "(USA)" in s.get(srv.url("/console/pending")).text
    csv = s.get(srv.url("/console/log.csv")).content.decode("utf-8-sig")
    assert csv.splitlines()[0].split(",")[6] == "签发国家" and ",USA," in csv


# -- the host directory page ------------------------------------------------------------------


def test_reception_keeps_the_host_directory(desk: Any) -> None:
    srv, s, token = desk
    page = s.get(srv.url("/console/hosts"))
    assert page.status_code == 200 and "被访对象" in page.text and 'href="/console/hosts"' in page.text
    v0 = hosts.version(srv.central)
    r = s.post(srv.url("/console/hosts"), data={"csrf_token": token, "kind": "company",
               "label": "星河科技有限公司",
               "detail": "5F"}, allow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert "星河科技有限公司" in s.get(srv.url("/console/hosts")).text and hosts.version(srv.central) > v0
    dup = s.post(
        srv.url("/console/hosts"), data={"csrf_token": token, "kind": "company", "label": "星河科技有限公司"}
    )
    assert dup.status_code == 422 and "该被访对象已在列表中" in dup.text
    bad_kind = s.post(srv.url("/console/hosts"), data={"csrf_token": token, "kind": "floor", "label": "F3"})
    assert bad_kind.status_code == 422 and _count(srv, Host) == 1
    up = s.post(srv.url("/console/hosts/import"), data={"csrf_token": token},
                files={"file": ("h.csv", "kind,label,detail\nunit,3栋1201,\nroom,9,\n".encode())},
                )  # fmt: skip
    assert up.status_code == 422 and "line 3" in up.text and _count(srv, Host) == 2
    [company] = [h for h in hosts.listing(srv.central)[1] if h.kind == "company"]
    v1 = hosts.version(srv.central)
    r = s.post(
        srv.url(f"/console/hosts/{company.id}/remove"), data={"csrf_token": token}, allow_redirects=False
    )
    assert r.status_code == 303 and "done=removed" in r.headers["location"]
    assert _count(srv, Host) == 1 and hosts.version(srv.central) > v1
    no_csrf = s.post(srv.url("/console/hosts"), data={"kind": "unit", "label": "X"})
    assert no_csrf.status_code == 403 and _count(srv, Host) == 1


def test_technicians_may_not_see_or_change_hosts(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("tom", "technician")
    tom = login(srv, "tom")
    token = session_csrf(srv, tom)
    assert tom.get(srv.url("/console/hosts")).status_code == 403
    r = tom.post(srv.url("/console/hosts"), data={"csrf_token": token, "kind": "unit", "label": "X"})
    assert r.status_code == 403 and _count(srv, Host) == 0
    assert 'href="/console/hosts"' not in tom.get(srv.url("/console/kiosks")).text
