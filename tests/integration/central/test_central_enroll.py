"""Enrollment over real HTTP: one-time codes, tokens, revocation."""

from __future__ import annotations

from central.services import kiosks
from tests.fixtures.central import CentralServer


def test_enroll_gives_a_token_that_works_once(central_server: CentralServer) -> None:
    _, code = kiosks.create_kiosk(central_server.central, "Gym gate")
    r = central_server.http.post(central_server.url("/api/v1/enroll"), json={"code": code.lower()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "Gym gate" and len(body["token"]) >= 40
    k = central_server.kiosk_session(body["token"])
    assert k.get(central_server.url("/api/v1/members")).status_code == 200

    again = central_server.http.post(central_server.url("/api/v1/enroll"), json={"code": code})
    assert again.status_code == 401
    assert again.json()["error"] == "bad_enrollment_code"


def test_unknown_code_and_malformed_body_are_refused(central_server: CentralServer) -> None:
    post = central_server.http.post
    assert post(central_server.url("/api/v1/enroll"), json={"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 401
    assert post(central_server.url("/api/v1/enroll"), json={"code": "x", "extra": 1}).status_code == 422
    assert (
        post(
            central_server.url("/api/v1/enroll"),
            data=b"\xff\xfe",
            headers={"content-type": "application/json"},
        ).status_code
        == 422
    )


def test_revoked_token_stops_working(central_server: CentralServer) -> None:
    token = central_server.add_kiosk("Pool gate")
    k = central_server.kiosk_session(token)
    assert k.get(central_server.url("/api/v1/keys")).status_code == 200
    kid = next(x.id for x in kiosks.list_kiosks(central_server.central) if x.name == "Pool gate")
    kiosks.revoke_kiosk(central_server.central, kid)
    r = k.get(central_server.url("/api/v1/keys"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
