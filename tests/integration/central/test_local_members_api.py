"""PUT /api/v1/local-members: a kiosk's own members, masked, replacing its previous list; every
hostile body is refused whole, with nothing stored and no input echoed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from central.models import KioskLocalMember
from central.services import local_members
from tests.fixtures.central import CentralServer

pytestmark = pytest.mark.integration
URL = "/api/v1/local-members"


def item(no: str = "L1", name: str = "张*明", **over: Any) -> dict[str, Any]:
    return {"member_no": no, "masked_name": name, "status": "active", "facilities": ["gym"],
            "valid_until": "2027-03-31", **over}


def stored(srv: CentralServer) -> list[tuple[int, str, str]]:
    with srv.central.db.reading() as s:
        return [(m.kiosk_id, m.member_no, m.masked_name) for m in s.execute(
            select(KioskLocalMember).order_by(KioskLocalMember.kiosk_id, KioskLocalMember.member_no)
        ).scalars()]


def test_each_kiosk_replaces_only_its_own_list(central_server: CentralServer) -> None:
    srv = central_server
    a = srv.kiosk_session(srv.add_kiosk("Lobby A"))
    b = srv.kiosk_session(srv.add_kiosk("Lobby B"))
    r = a.put(srv.url(URL), json={"members": [item("L1"), item("L2", "J*** S****", status="frozen")]},
              timeout=10)
    assert (r.status_code, r.json()) == (200, {"count": 2})
    assert b.put(srv.url(URL), json={"members": [item("L1", "王*")]}, timeout=10).status_code == 200
    ids = sorted({k for k, _, _ in stored(srv)})
    assert len(ids) == 2
    # A's new list replaces A's old one; B's is untouched.
    assert a.put(srv.url(URL), json={"members": [item("L3")]}, timeout=10).json() == {"count": 1}
    assert [(no, name) for _, no, name in stored(srv)] == [("L3", "张*明"), ("L1", "王*")]
    rows = local_members.search(srv.central, "Lobby B")
    assert [(m.member_no, m.kiosk_name) for m in rows] == [("L1", "Lobby B")]
    assert a.put(srv.url(URL), json={"members": []}, timeout=10).json() == {"count": 0}
    assert [no for _, no, _ in stored(srv)] == ["L1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"members": [item(name="张小明")]}, "masked_name"),  # a full name: never stored
        ({"members": [item(name="Jane Smith")]}, "masked_name"),
        ({"members": [item(status="deleted")]}, "status"),
        ({"members": [item(no="")]}, "member_no"),
        ({"members": [item(no="x" * 33)]}, "member_no"),
        ({"members": [item(no="L\x001")]}, "member_no"),
        ({"members": [item(facilities=["Gym Hall!"])]}, "facilities"),
        ({"members": [item(valid_until="2027-02-30")]}, "valid_until"),
        ({"members": [item(card_uid="04A1B2C3")]}, "card_uid"),  # no extra fields, no cards
        ({"members": "L1"}, "members"),
        ({}, "members"),
    ],
)
def test_bad_bodies_are_refused_whole(central_sqlite_server: CentralServer, body: dict[str, Any],
                                      field: str) -> None:
    srv = central_sqlite_server
    kiosk = srv.kiosk_session(srv.add_kiosk())
    assert kiosk.put(srv.url(URL), json={"members": [item("KEEP")]}, timeout=10).status_code == 200
    r = kiosk.put(srv.url(URL), json=body, timeout=10)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert "张小明" not in r.text and "Jane Smith" not in r.text  # never echoed
    assert [no for _, no, _ in stored(srv)] == ["KEEP"]  # the previous list is intact


def test_duplicates_too_many_and_no_token(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    kiosk = srv.kiosk_session(srv.add_kiosk())
    r = kiosk.put(srv.url(URL), json={"members": [item("L1"), item("L1")]}, timeout=10)
    assert r.status_code == 422 and "listed twice" in r.text
    many = {"members": [item(f"M{i}") for i in range(20_001)]}
    assert kiosk.put(srv.url(URL), json=many, timeout=30).status_code in (413, 422)
    assert srv.http.put(srv.url(URL), json={"members": [item()]}, timeout=10).status_code == 401
    assert stored(srv) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=2, max_size=20, alphabet=st.characters(categories=["Lo", "Lu", "Ll"])))
def test_any_unmasked_name_is_refused(central_sqlite_server: CentralServer, name: str) -> None:
    from lobby_core.masking import mask_name

    srv = central_sqlite_server
    if mask_name(name) == name:
        return  # already in masked form (e.g. one letter): nothing to refuse
    kiosk = srv.kiosk_session(srv.add_kiosk())
    r = kiosk.put(srv.url(URL), json={"members": [item(name=name)]}, timeout=10)
    assert r.status_code == 422
    assert name not in r.text
