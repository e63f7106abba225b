"""Invitations at the kiosk API over real HTTP: only a signed invitation QR that verifies (this
service's key, its window, not withdrawn) yields a pass or a lookup; a bare invitation number,
a forged, foreign, revoked, expired or not-yet-valid code gets a specific 4xx and no pass."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from central.models import Visit
from central.services import invitations
from lobby_core import passes
from lobby_core.passes.base44 import ALPHABET
from tests.fixtures.central import CentralServer

RIC = "11010519491231002X"


def visit_body(**over: Any) -> dict[str, Any]:
    body = {
        "client_id": str(uuid.uuid4()),
        "id_type": "cn_ric",
        "id_number": RIC,
        "name": "Zhao Liu",
        "mobile": "13800138000",
        "host": "Unit 5-1201",
        "purpose": "invited",
    }
    body.update(over)
    return body


@pytest.fixture
def kiosk(central_server: CentralServer) -> requests.Session:
    return central_server.kiosk_session(central_server.add_kiosk("Lobby"))


@pytest.fixture
def invitation(central_server: CentralServer) -> invitations.InvitationView:
    now = datetime.now(UTC)
    start, end = now - timedelta(minutes=5), now + timedelta(hours=3)
    return invitations.create(central_server.central, None, "Zhao Liu", "Unit 5-1201", start, end)


def _visits(srv: CentralServer) -> int:
    with srv.central.db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Visit)) or 0)


def _signed(srv: CentralServer, inv_id: int, start: datetime, end: datetime) -> str:
    """An invitation QR signed by the service's own key, with any window."""
    claims = passes.InvitationClaims(invitation_id=inv_id, valid_from=start, valid_until=end)
    with srv.central.db.writing() as s:
        return str(srv.central.signer.sign_invitation(s, claims, datetime.now(UTC)))


def test_a_bare_invitation_number_gets_no_pass_and_no_lookup(
    central_server: CentralServer, kiosk: requests.Session, invitation: invitations.InvitationView
) -> None:
    srv = central_server
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation_id=invitation.id))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "invitation_id", r.text
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=str(invitation.id)))
    assert r.status_code == 422 and r.json()["error"] == "bad_invitation", r.text
    assert _visits(srv) == 0
    # The lookup by number is gone; the lookup wants the QR text.
    assert kiosk.get(srv.url(f"/api/v1/invitations/{invitation.id}")).status_code in (404, 405)
    r = kiosk.post(srv.url("/api/v1/invitations/lookup"), json={"invitation_id": invitation.id})
    assert r.status_code == 422
    r = kiosk.post(srv.url("/api/v1/invitations/lookup"), json={"qr": str(invitation.id)})
    assert r.status_code == 422 and r.json()["error"] == "bad_invitation"


def test_a_valid_signed_invitation_gives_a_pass_that_verifies(
    central_server: CentralServer, kiosk: requests.Session, invitation: invitations.InvitationView
) -> None:
    srv = central_server
    look = kiosk.post(srv.url("/api/v1/invitations/lookup"), json={"qr": invitation.qr_text})
    assert look.status_code == 200 and look.json()["invitation_id"] == invitation.id
    assert look.json()["usable_now"] and look.json()["host"] == "Unit 5-1201"
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=invitation.qr_text))
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text
    keys = passes.TrustedKeys.from_published(kiosk.get(srv.url("/api/v1/keys")).json()["keys"])
    claims = passes.check_pass(r.json()["pass"]["text"], keys, now=datetime.now(UTC))
    assert claims.visit_id == r.json()["visit_id"]
    with srv.central.db.reading() as s:
        v = s.get(Visit, r.json()["visit_id"])
        assert v is not None and v.invitation_id == invitation.id


def _forged(qr: str) -> str:
    # Change one symbol in the middle (the signature or body): the length stays valid.
    i = len(qr) // 2
    return qr[:i] + ALPHABET[(ALPHABET.index(qr[i]) + 1) % len(ALPHABET)] + qr[i + 1 :]


@pytest.mark.parametrize("how", ["tampered", "foreign_key", "a_pass", "garbage"])
def test_a_forged_invitation_is_refused(
    central_server: CentralServer, kiosk: requests.Session, invitation: invitations.InvitationView, how: str
) -> None:
    srv = central_server
    if how == "tampered":
        qr = _forged(invitation.qr_text)
    elif how == "foreign_key":
        claims = passes.InvitationClaims(invitation.id, invitation.valid_from, invitation.valid_until)
        qr = passes.encode_invitation(claims, passes.KeyRing.generate())
    elif how == "a_pass":
        made = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=invitation.qr_text)).json()
        qr = made["pass"]["text"]
    else:
        qr = "%" * 112
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=qr))
    assert r.status_code == 422 and r.json()["error"] == "bad_invitation", r.text
    assert "genuine" in r.json()["detail"]
    r = kiosk.post(srv.url("/api/v1/invitations/lookup"), json={"qr": qr})
    assert r.status_code == 422 and r.json()["error"] == "bad_invitation", r.text
    assert _visits(srv) == (1 if how == "a_pass" else 0)


def test_a_revoked_invitation_is_refused(
    central_server: CentralServer, kiosk: requests.Session, invitation: invitations.InvitationView
) -> None:
    srv = central_server
    invitations.revoke(srv.central, invitation.id)
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=invitation.qr_text))
    assert r.status_code == 422 and r.json()["error"] == "invitation_revoked", r.text
    assert "withdrawn" in r.json()["detail"] and _visits(srv) == 0
    look = kiosk.post(srv.url("/api/v1/invitations/lookup"), json={"qr": invitation.qr_text})
    assert look.status_code == 200 and look.json()["usable_now"] is False


@pytest.mark.parametrize("when", ["expired", "not_yet_valid"])
def test_an_invitation_outside_its_signed_window_is_refused(
    central_server: CentralServer, kiosk: requests.Session, invitation: invitations.InvitationView, when: str
) -> None:
    """The window signed into the QR counts, whatever the row says."""
    srv = central_server
    now = datetime.now(UTC)
    window = (
        (now - timedelta(days=2), now - timedelta(days=1))
        if when == "expired"
        else (now + timedelta(days=1), now + timedelta(days=2))
    )
    qr = _signed(srv, invitation.id, *window)
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=qr))
    assert r.status_code == 422 and r.json()["error"] == "invitation_out_of_window", r.text
    assert _visits(srv) == 0
