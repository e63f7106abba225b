"""Visitors at central through the real API on uvicorn: the shared ID document, mobile and text
rules on POST /visits (refusals carry their message key, never the number), the blocklist matched
across document types (new and legacy entries, with and without an invitation), and the two
endpoints kiosks sync for their visitor desk: GET /api/v1/hosts and GET /api/v1/blocklist."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from backend_client.api import CentralAPI
from central.models import BlocklistEntry, Visit
from central.services import blocklist, hosts, invitations, visits
from lobby_core import id_documents
from tests.fixtures.central import CentralServer

RIC = "11010519491231002X"


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # stdnum ignores the 18th character it is given


HMT_PERMIT = with_check("81000019600101001")  # a Hong Kong resident's residence permit
FOREIGN_PR_2023 = "932682198501010017"  # the National Immigration Administration's sample


def body(**over: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "id_type": "cn_ric",
        "id_number": RIC,
        "name": "张三丰",
        "mobile": "13800138000",
        "host": "3栋1201",
        "purpose": "拜访",
    }
    b.update(over)
    return {k: v for k, v in b.items() if v is not None}


@pytest.fixture
def kiosk(central_server: CentralServer) -> requests.Session:
    return central_server.kiosk_session(central_server.add_kiosk("Lobby"))


def post(srv: CentralServer, k: requests.Session, **over: Any) -> requests.Response:
    return k.post(srv.url("/api/v1/visits"), json=body(**over), timeout=10)


def stored(srv: CentralServer, visit_id: int) -> Visit:
    with srv.central.db.reading() as s:
        v = s.get(Visit, visit_id)
        assert v is not None
        return v


# -- the shared ID document and mobile rules ------------------------------------------------


def test_new_document_types_and_passport_country_are_stored_canonical(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    permit = post(
        srv, kiosk, id_type="hmt_res_permit", id_number=" ".join(HMT_PERMIT[i : i + 6] for i in (0, 6, 12))
    )
    assert permit.status_code == 201, permit.text
    pr = post(srv, kiosk, id_type="foreign_pr", id_number=FOREIGN_PR_2023)
    assert pr.status_code == 201, pr.text
    # Full-width digits and a lower-case letter, as a Chinese input method types them; alpha-2 country.
    passport = post(srv, kiosk, id_type="passport", id_number="ｅ１２３４５６７８", id_country="us",
                    mobile="+86 138-0013-8000")  # fmt: skip
    assert passport.status_code == 201, passport.text
    v = stored(srv, passport.json()["visit_id"])
    assert (v.id_type, v.id_country, v.mobile) == ("passport", "USA", "13800138000")
    assert srv.central.secrets.decrypt(v.id_number_enc or b"").decode() == "E12345678"
    assert stored(srv, permit.json()["visit_id"]).id_country is None
    # The console's rows carry the country, and so does the visit log.
    rows = {r.id: r for r in visits.list_pending(srv.central)}
    assert rows[passport.json()["visit_id"]].id_country == "USA"
    assert rows[permit.json()["visit_id"]].id_type == "hmt_res_permit"


@pytest.mark.parametrize(
    ("over", "key"),
    [
        ({"id_number": RIC[:-1] + "1"}, "id.bad_check"),
        ({"id_number": with_check("11010519491331002")}, "id.bad_date"),
        ({"id_number": with_check("99010519491231002")}, "id.unknown_region"),
        ({"id_number": RIC[:-1]}, "id.wrong_length"),
        ({"id_type": "hmt_res_permit", "id_number": RIC}, "id.unknown_region"),
        ({"id_type": "passport", "id_number": "E12345678"}, "id.missing_country"),
        ({"id_type": "passport", "id_number": "E12345678", "id_country": "ZZZ"}, "id.unknown_country"),
        ({"id_type": "passport", "id_number": "E1234#678", "id_country": "USA"}, "id.wrong_characters"),
        ({"mobile": "1380013800"}, "mobile.wrong_length"),
        ({"mobile": "12800138000"}, "mobile.bad_prefix"),
        ({"mobile": "138-0013-800x"}, "mobile.wrong_characters"),
    ],
)
def test_refusals_answer_422_with_the_rules_key_and_never_the_number(
    central_server: CentralServer, kiosk: requests.Session, over: dict[str, Any], key: str
) -> None:
    r = post(central_server, kiosk, **over)
    assert r.status_code == 422, r.text
    assert r.json()["key"] == key and r.json()["detail"]
    assert r.json()["error"] == ("bad_mobile" if key.startswith("mobile.") else "bad_id_number")
    for field in ("id_number", "mobile"):
        if field in over:
            assert over[field] not in r.text


@pytest.mark.parametrize("free_form", ["passport", "other"])
@pytest.mark.parametrize("number", [RIC, RIC.lower(), HMT_PERMIT, FOREIGN_PR_2023])
def test_a_resident_id_cannot_be_registered_under_a_free_form_type(
    central_sqlite_server: CentralServer, free_form: str, number: str
) -> None:
    srv = central_sqlite_server
    k = srv.kiosk_session(srv.add_kiosk())
    r = post(srv, k, id_type=free_form, id_number=number, id_country="CHN")
    assert r.status_code == 422 and r.json()["key"] == "id.resident_id_as_free_form", r.text
    assert number.upper() not in r.text
    assert visits.list_pending(srv.central) == []


# -- blocklist across ID types --------------------------------------------------------------


def _invitation(srv: CentralServer) -> str:
    now = datetime.now(UTC)
    return invitations.create(srv.central, None, "Visitor", "3栋1201", now - timedelta(minutes=1),
                              now + timedelta(hours=2)).qr_text  # fmt: skip


@pytest.mark.parametrize(
    ("listed", "claimed"),
    [
        # A resident ID listed under its type: the same number under the same type, typed as a person does.
        (("cn_ric", RIC, None), ("cn_ric", "110105 19491231 002x", None)),
        # A passport number listed, then presented as "other" and as a passport of another country.
        (("passport", "E12345678", "USA"), ("other", "e-1234-5678", None)),
        (("passport", "E12345678", "USA"), ("passport", "E12345678", "CAN")),
        # A renewed Hong Kong/Macao permit (same first 9 characters) presented as "other".
        (("hk_macao_permit", "H1234567801", None), ("other", "H12345678", None)),
        (("other", "H12345678", None), ("hk_macao_permit", "H1234567802", None)),
    ],
)
def test_blocklist_matches_across_types_and_an_invitation_does_not_let_them_in(
    central_server: CentralServer, kiosk: requests.Session, listed: tuple[str, str, str | None],
    claimed: tuple[str, str, str | None],
) -> None:  # fmt: skip
    srv = central_server
    blocklist.add(srv.central, None, listed[0], listed[1], "banned after incident", country=listed[2])
    qr = _invitation(srv)
    r = post(srv, kiosk, id_type=claimed[0], id_number=claimed[1], id_country=claimed[2], invitation=qr)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending" and r.json()["pass"] is None
    [row] = visits.list_pending(srv.central)
    assert row.blocklisted
    assert invitations.lookup_qr(srv.central, qr).used_count == 0
    # Somebody else with the same invitation is let in at once: only the listed number is held.
    clean = post(srv, kiosk, id_type="passport", id_number="G87654321", id_country="CHN", invitation=qr)
    assert clean.json()["status"] == "approved" and not stored(srv, clean.json()["visit_id"]).blocklisted


def _legacy_entry(srv: CentralServer, id_type: str, number: str) -> None:
    """An entry as the code before canonical matching stored it: keyed_hash("id:" + type, number)."""
    with srv.central.db.writing() as s:
        s.add(BlocklistEntry(id_type=id_type, id_hash=srv.central.secrets.keyed_hash("id:" + id_type, number),
                             id_masked="***", reason="legacy", created_at=datetime.now(UTC)))  # fmt: skip


@pytest.mark.parametrize(
    ("legacy", "claimed"),
    [
        (("cn_ric", RIC), ("cn_ric", RIC.lower(), None)),
        (("passport", "E12345678"), ("other", "E12345678", None)),
        (("other", "E12345678"), ("passport", "E 1234 5678", "GBR")),
        (("hk_macao_permit", "H1234567801"), ("other", "H1234567801", None)),
    ],
)
def test_legacy_typed_entries_still_match_across_types(
    central_server: CentralServer, kiosk: requests.Session, legacy: tuple[str, str],
    claimed: tuple[str, str, str | None],
) -> None:  # fmt: skip
    srv = central_server
    _legacy_entry(srv, *legacy)
    r = post(
        srv,
        kiosk,
        id_type=claimed[0],
        id_number=claimed[1],
        id_country=claimed[2],
        invitation=_invitation(srv),
    )
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    assert stored(srv, r.json()["visit_id"]).blocklisted
    assert blocklist.match(srv.central, claimed[0], claimed[1], claimed[2]) is not None


def test_new_entries_store_the_canonical_hash_not_a_typed_one(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    entry_id = blocklist.add(srv.central, None, "passport", "E12345678", "x", country="USA")
    with srv.central.db.reading() as s:
        e = s.get(BlocklistEntry, entry_id)
        assert e is not None
    assert e.id_hash == srv.central.secrets.keyed_hash("id", "E12345678")
    assert e.id_hash not in {
        srv.central.secrets.keyed_hash("id:" + t, "E12345678") for t in id_documents.ID_TYPES
    }
    assert e.id_masked != "E12345678" and "E12345678" not in (e.kiosk_hash or "")


# -- the typed-text rule on the kiosk API ----------------------------------------------------

HOSTILE = ["\u202e", "\x00", "\x1b", "\u200b", "\ufeff", "\ue000", "\u2066", "\x07", "\n", "\t"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["name", "host", "purpose"]),
    bad=st.sampled_from(HOSTILE),
    before=st.text(alphabet="张三 Ann", max_size=5),
    after=st.text(alphabet="丰 Lee", max_size=5),
)
def test_hostile_characters_in_typed_fields_are_refused(
    central_sqlite_server: CentralServer, field: str, bad: str, before: str, after: str
) -> None:
    srv = central_sqlite_server
    k = srv.kiosk_session(srv.add_kiosk())
    r = post(srv, k, **{field: "A" + before + bad + after + "B"})
    assert r.status_code == 422, (field, repr(bad), r.text)
    # Control characters are caught by the schema's bounds already; the rest by lobby_core.text.
    if r.json()["error"] != "invalid":
        assert r.json()["error"] == "bad_text" and r.json()["key"] == "text.bad_characters"
    with srv.central.db.reading() as s:
        assert s.query(Visit).count() == 0


def test_the_bidi_override_that_spoofed_the_console_is_refused_with_its_key(
    central_sqlite_server: CentralServer,
) -> None:
    srv = central_sqlite_server
    k = srv.kiosk_session(srv.add_kiosk())
    r = post(srv, k, name="Ann\u202eeeL")
    assert r.status_code == 422 and r.json() == {
        "error": "bad_text",
        "detail": "name contains invisible formatting characters",
        "key": "text.bad_characters",
    }
    # Typed text is stored in its one normal form: NFC, spaces folded.
    ok = post(srv, k, name="  Zoe\u0301   Li ", host="3栋  1201")
    assert ok.status_code == 201, ok.text
    v = stored(srv, ok.json()["visit_id"])
    assert (v.name, v.host) == ("Zoé Li", "3栋 1201")


# -- the endpoints kiosks sync: hosts and the blocklist --------------------------------------


def test_hosts_endpoint_lists_the_directory_and_bumps_its_version(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    url = srv.url("/api/v1/hosts")
    assert kiosk.get(url).json() == {"version": 0, "items": []}
    unit = hosts.add(srv.central, "unit", "3栋1201", "Zhang family")
    v1 = kiosk.get(url).json()
    assert v1["items"] == [{"id": unit.id, "kind": "unit", "label": "3栋1201", "detail": "Zhang family"}]
    hosts.add(srv.central, "company", "星河科技有限公司")
    v2 = kiosk.get(url).json()
    assert v2["version"] > v1["version"] and len(v2["items"]) == 2
    res = hosts.import_csv(srv.central, "kind,label,detail\nunit,3栋1201,Zhang family\n".encode())
    assert (res.added, res.updated, res.unchanged) == (0, 0, 1)
    assert kiosk.get(url).json()["version"] == v2["version"]  # nothing changed, no bump
    res = hosts.import_csv(srv.central, "kind,label,detail\nunit,3栋1201,Li family\n".encode())
    v3 = kiosk.get(url).json()
    assert res.updated == 1 and v3["version"] > v2["version"]
    hosts.remove(srv.central, unit.id)
    v4 = kiosk.get(url).json()
    assert v4["version"] > v3["version"] and [h["label"] for h in v4["items"]] == ["星河科技有限公司"]
    assert requests.get(url, timeout=10).status_code == 401  # a kiosk token is needed


def test_blocklist_endpoint_publishes_a_derived_key_and_canonical_hashes(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    listed = blocklist.add(srv.central, None, "cn_ric", RIC, "trespass")
    blocklist.add(srv.central, None, "passport", "E12345678", "trespass", country="USA")
    _legacy_entry(srv, "cn_ric", with_check("11010519800101001"))  # no kiosk hash: not published
    out = kiosk.get(srv.url("/api/v1/blocklist")).json()
    key = base64.b64decode(out["key"])
    assert len(key) == 32 and key != srv.central.secrets.hash_key
    assert srv.central.secrets.hash_key.hex() not in str(out)

    def kiosk_side(id_type: str, number: str) -> str:  # what a kiosk computes, from the contract alone
        canonical = id_documents.canonical_key(
            id_type, id_documents.normalise(id_type, number, country="CHN")
        )
        return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()

    assert sorted(out["hashes"]) == sorted([kiosk_side("cn_ric", RIC), kiosk_side("passport", "E12345678")])
    assert kiosk_side("other", "e1234 5678") in out["hashes"]  # the key has no type in it
    blocklist.remove(srv.central, listed)
    assert kiosk.get(srv.url("/api/v1/blocklist")).json()["hashes"] == [kiosk_side("passport", "E12345678")]
    # The same key every time, and from another process with the same central keys.
    assert kiosk.get(srv.url("/api/v1/blocklist")).json()["key"] == out["key"]


def test_backend_client_reads_hosts_and_blocklist(central_sqlite_server: CentralServer) -> None:
    from backend_client.http import ClientSettings

    srv = central_sqlite_server
    token = srv.add_kiosk()
    hosts.add(srv.central, "company", "星河科技有限公司", "5F")
    blocklist.add(srv.central, None, "cn_ric", RIC, "trespass")
    api = CentralAPI(ClientSettings(base_url=srv.base), token)
    try:
        directory = api.hosts()
        assert [(h.kind, h.label, h.detail) for h in directory.items] == [
            ("company", "星河科技有限公司", "5F")
        ]
        assert directory.version >= 1
        bl = api.blocklist()
        assert len(base64.b64decode(bl.key)) == 32 and len(bl.hashes) == 1
    finally:
        api.close()
