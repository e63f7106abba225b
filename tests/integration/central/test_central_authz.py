"""Authorisation matrix: every /api/v1 endpoint × no token, a wrong token, a revoked token, a
console session instead of a token, and another kiosk's token (which sees none of ours)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from central.services import invitations, kiosks, visits
from tests.fixtures.central import CentralServer

RIC = "11010519491231002X"


def _endpoints(visit_id: int, invitation_qr: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    now = datetime.now(UTC).isoformat()
    return [
        ("GET", "/api/v1/members", None),
        (
            "POST",
            "/api/v1/events",
            {"events": [{"event_id": str(uuid.uuid4()), "occurred_at": now, "kind": "entry"}]},
        ),
        (
            "POST",
            "/api/v1/visits",
            {
                "client_id": str(uuid.uuid4()),
                "id_type": "cn_ric",
                "id_number": RIC,
                "name": "A",
                "mobile": "13800138000",
                "host": "h",
                "purpose": "p",
            },
        ),
        ("GET", f"/api/v1/visits/{visit_id}", None),
        ("GET", "/api/v1/updates", None),
        ("POST", "/api/v1/heartbeat", {"sent_at": now}),
        ("GET", "/api/v1/keys", None),
        ("GET", "/api/v1/revocations", None),
        ("POST", "/api/v1/invitations/lookup", {"qr": invitation_qr}),
        (
            "POST",
            f"/api/v1/visits/{visit_id}/kiosk-approval",
            {"approved_by": "rita", "approved_at": now, "pass_text": "X"},
        ),
        ("POST", "/api/v1/kiosk-key", {"public_key": base64.b64encode(bytes(32)).decode()}),
        ("GET", "/api/v1/pins", None),
        ("GET", "/api/v1/hosts", None),
        ("GET", "/api/v1/blocklist", None),
        ("POST", "/api/v1/actions/1/result", {"ok": True, "detail": "x"}),
        ("PUT", "/api/v1/actions/1/bundle", None),
        ("POST", "/api/v1/help-calls", None),
        ("PUT", "/api/v1/local-members", {"members": []}),
    ]


@pytest.fixture
def setup(central_server: CentralServer) -> dict[str, Any]:
    srv = central_server
    mine = srv.kiosk_session(srv.add_kiosk("mine"))
    v = mine.post(
        srv.url("/api/v1/visits"),
        json={
            "client_id": str(uuid.uuid4()),
            "id_type": "cn_ric",
            "id_number": RIC,
            "name": "A",
            "mobile": "13800138000",
            "host": "h",
            "purpose": "p",
        },
    ).json()
    visits.approve_visit(srv.central, v["visit_id"], None)
    now = datetime.now(UTC)
    inv = invitations.create(srv.central, None, "V", "H", now, now + timedelta(hours=1))
    revoked_token = srv.add_kiosk("gone")
    kiosks.revoke_kiosk(srv.central, next(k.id for k in kiosks.list_kiosks(srv.central) if k.name == "gone"))
    srv.add_user("root", "admin")
    cookie_session, _ = srv.login("root")
    return {
        "mine": mine,
        "visit_id": v["visit_id"],
        "invitation_qr": inv.qr_text,
        "revoked": revoked_token,
        "cookie": cookie_session,
    }


def test_matrix_covers_every_kiosk_endpoint(central_server: CentralServer) -> None:
    spec = central_server.http.get(central_server.url("/openapi.json")).json()
    listed = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    covered = {
        (m, p.replace("/1", "/{visit_id}", 1) if p.startswith("/api/v1/visits/") else p)
        for m, p, _ in _endpoints(1, "")
    }
    covered = {(m, p.replace("/actions/1/", "/actions/{action_id}/")) for m, p in covered}
    assert listed - {("POST", "/api/v1/enroll")} == covered


@pytest.mark.parametrize("who", ["none", "garbage", "revoked", "session_cookie", "wrong_scheme"])
def test_every_endpoint_refuses_without_a_valid_token(
    central_server: CentralServer, setup: dict[str, Any], who: str
) -> None:
    srv = central_server
    session: requests.Session = setup["cookie"] if who == "session_cookie" else requests.Session()
    headers = {
        "none": {},
        "session_cookie": {},
        "garbage": {"Authorization": "Bearer " + "x" * 43},
        "revoked": {"Authorization": f"Bearer {setup['revoked']}"},
        "wrong_scheme": {"Authorization": f"Basic {setup['revoked']}"},
    }[who]
    for method, path, body in _endpoints(setup["visit_id"], setup["invitation_qr"]):
        r = session.request(method, srv.url(path), json=body, headers=headers, timeout=10)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.json()["error"] in ("no_token", "bad_token")


def test_another_kiosk_sees_none_of_our_data(central_server: CentralServer, setup: dict[str, Any]) -> None:
    srv = central_server
    theirs = srv.kiosk_session(srv.add_kiosk("theirs"))
    assert theirs.get(srv.url(f"/api/v1/visits/{setup['visit_id']}")).status_code == 404
    assert theirs.get(srv.url("/api/v1/updates")).json()["items"] == []
    mine = setup["mine"].get(srv.url("/api/v1/updates")).json()["items"]
    assert [u["payload"]["visit_id"] for u in mine] == [setup["visit_id"]]
    # Shared data is shared: keys, revocations, invitations, members.
    for path in ("/api/v1/keys", "/api/v1/revocations", "/api/v1/members"):
        assert theirs.get(srv.url(path)).status_code == 200, path
    r = theirs.post(srv.url("/api/v1/invitations/lookup"), json={"qr": setup["invitation_qr"]})
    assert r.status_code == 200, r.text
