"""The kiosk API over real HTTP, on SQLite and on PostgreSQL: events, visits, approvals through
the long-poll, members feed, heartbeat, keys and rotation, revocations, invitations, blocklist."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from central.services import blocklist, invitations, kiosks, members, retention, visits
from lobby_core import passes
from tests.fixtures.central import CentralServer, wait_until

RIC = "11010519491231002X"  # a valid Chinese resident ID (stdnum's example)
CSV = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "M001,张三,04:A1:B2:C3,gym|pool,2026-01-01,2026-12-31,active,\n"
    "M002,Li Si,04A1B2C4,gym,2026-01-01,2026-12-31,frozen,10\n"
    "M003,王五,04A1B2C5,pool,2026-01-01,2026-12-31,active,3\n"
)


def visit_body(**over: Any) -> dict[str, Any]:
    body = {
        "client_id": str(uuid.uuid4()),
        "id_type": "cn_ric",
        "id_number": RIC,
        "name": "张三丰",
        "mobile": "13800138000",
        "host": "Unit 12-301",
        "purpose": "delivery",
        "party_size": 1,
    }
    body.update(over)
    return body


def event(**over: Any) -> dict[str, Any]:
    e = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "kind": "entry",
        "facility": "gym",
        "member_no": "M001",
        "outcome": "granted",
    }
    e.update(over)
    return e


@pytest.fixture
def kiosk(central_server: CentralServer) -> requests.Session:
    return central_server.kiosk_session(central_server.add_kiosk("Lobby"))


class Poll(threading.Thread):
    """A kiosk long-poll running in the background; `.result` is the JSON answer."""

    def __init__(self, srv: CentralServer, k: requests.Session, after: int = 0, wait: float = 30) -> None:
        super().__init__(daemon=True)
        self.srv, self.k, self.after, self.wait = srv, k, after, wait
        self.result: dict[str, Any] | None = None

    def run(self) -> None:
        r = self.k.get(
            self.srv.url("/api/v1/updates"),
            params={"after": self.after, "wait": self.wait},
            timeout=self.wait + 10,
        )
        assert r.status_code == 200, r.text
        self.result = r.json()


def trusted(srv: CentralServer, k: requests.Session) -> passes.TrustedKeys:
    body = k.get(srv.url("/api/v1/keys")).json()
    return passes.TrustedKeys.from_published(body["keys"])


def test_events_are_stored_once_per_event_id(central_server: CentralServer, kiosk: requests.Session) -> None:
    url = central_server.url("/api/v1/events")
    first = [event() for _ in range(3)]
    r = kiosk.post(url, json={"events": first})
    assert r.status_code == 200 and r.json() == {"accepted": 3, "duplicates": 0}
    again = kiosk.post(url, json={"events": [*first[:2], event(), first[0]]})
    assert again.json() == {"accepted": 1, "duplicates": 3}
    # Another kiosk's event ids are its own: the same uuid from kiosk B is a new event.
    other = central_server.kiosk_session(central_server.add_kiosk("B"))
    assert other.post(url, json={"events": first[:1]}).json() == {"accepted": 1, "duplicates": 0}
    assert kiosk.post(url, json={"events": [event() for _ in range(501)]}).status_code == 422
    assert kiosk.post(url, json={"events": []}).status_code == 422
    naive = event(occurred_at="2026-01-01T10:00:00")
    assert kiosk.post(url, json={"events": [naive]}).status_code == 422


def test_visit_create_is_idempotent_by_client_id(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    url = central_server.url("/api/v1/visits")
    body = visit_body()
    r1 = kiosk.post(url, json=body)
    assert r1.status_code == 201, r1.text
    v = r1.json()
    assert v["status"] == "pending" and v["pass"] is None and v["client_id"] == body["client_id"]
    r2 = kiosk.post(url, json=body)
    assert r2.status_code == 200 and r2.json()["visit_id"] == v["visit_id"]
    r3 = kiosk.post(url, json={**body, "name": "Someone Else"})
    assert r3.status_code == 409 and r3.json()["error"] == "client_id_reused"
    assert kiosk.get(central_server.url(f"/api/v1/visits/{v['visit_id']}")).json()["status"] == "pending"


def test_bad_id_numbers_are_refused_without_echoing_them(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    url = central_server.url("/api/v1/visits")
    bad = "110105194912310021"  # wrong check digit
    r = kiosk.post(url, json=visit_body(id_number=bad))
    assert r.status_code == 422 and r.json()["error"] == "bad_id_number"
    assert r.json()["key"] == "id.bad_check" and "check character" in r.json()["detail"] and bad not in r.text
    r = kiosk.post(url, json=visit_body(id_type="passport", id_number="X1"))
    assert r.status_code == 422 and "X1" not in r.text
    r = kiosk.post(url, json=visit_body(mobile="call me\x00"))
    assert r.status_code == 422 and "call me" not in r.text
    assert kiosk.post(url, json=visit_body(party_size=21)).status_code == 422


def test_long_poll_delivers_an_approval_with_a_pass_that_verifies(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    v = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(party_size=2)).json()
    cursor = kiosk.get(srv.url("/api/v1/updates")).json()["next_cursor"]
    poll = Poll(srv, kiosk, after=cursor)
    poll.start()
    wait_until(lambda: srv.central.wakeups.waiting >= 1, 10, "the long-poll to wait")
    approver = srv.add_user("rita", "receptionist")
    visits.approve_visit(srv.central, v["visit_id"], approver)
    poll.join(timeout=15)
    assert poll.result is not None, "long-poll did not answer"
    [item] = poll.result["items"]
    assert item["kind"] == "decision" and item["payload"]["visit_id"] == v["visit_id"]
    assert item["payload"]["status"] == "approved"
    text = item["payload"]["pass"]["text"]
    claims = passes.check_pass(text, trusted(srv, kiosk), now=datetime.now(UTC))
    assert claims.visit_id == v["visit_id"] and claims.admits("lobby") and claims.entries_allowed == 4
    assert claims.pass_id == item["payload"]["pass"]["pass_id"]
    status = kiosk.get(srv.url(f"/api/v1/visits/{v['visit_id']}")).json()
    assert status["status"] == "approved" and status["pass"]["text"] == text
    assert poll.result["next_cursor"] == item["seq"]
    # Nothing new after that cursor.
    assert kiosk.get(srv.url("/api/v1/updates"), params={"after": item["seq"]}).json()["items"] == []


def test_deny_expire_and_other_kiosks(central_server: CentralServer, kiosk: requests.Session) -> None:
    srv = central_server
    other = srv.kiosk_session(srv.add_kiosk("Pool"))
    a = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    b = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    visits.deny_visit(srv.central, a["visit_id"], None, "host is away")
    got = kiosk.get(srv.url(f"/api/v1/visits/{a['visit_id']}")).json()
    assert got["status"] == "denied" and got["deny_reason"] == "host is away" and got["pass"] is None
    with pytest.raises(Exception, match="denied already"):
        visits.approve_visit(srv.central, a["visit_id"], None)
    # The other kiosk sees neither the visit nor the decision.
    assert other.get(srv.url(f"/api/v1/visits/{a['visit_id']}")).status_code == 404
    assert other.get(srv.url("/api/v1/updates")).json()["items"] == []
    # Expiry: the pending visit's deadline passes.
    assert visits.expire_pending(srv.central, now=datetime.now(UTC) + timedelta(minutes=11)) == 1
    got = kiosk.get(srv.url(f"/api/v1/visits/{b['visit_id']}")).json()
    assert got["status"] == "expired"
    kinds = [
        (u["payload"]["visit_id"], u["payload"]["status"])
        for u in kiosk.get(srv.url("/api/v1/updates")).json()["items"]
    ]
    assert kinds == [(a["visit_id"], "denied"), (b["visit_id"], "expired")]


def test_members_feed_pages_tombstones_and_resync(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    result = members.import_csv(srv.central, CSV.encode())
    assert (result.created, result.errors) == (3, [])
    url = srv.url("/api/v1/members")
    p1 = kiosk.get(url, params={"limit": 2}).json()
    assert [m["member_no"] for m in p1["items"]] == ["M001", "M002"] and p1["has_more"]
    assert p1["items"][0]["card_uids"] == ["04A1B2C3"] and p1["items"][0]["facilities"] == ["gym", "pool"]
    assert p1["items"][1]["visits_remaining"] == 10 and p1["items"][0]["visits_remaining"] is None
    p2 = kiosk.get(url, params={"after": p1["next_cursor"], "limit": 2}).json()
    assert [m["member_no"] for m in p2["items"]] == ["M003"] and not p2["has_more"]
    cursor = p2["next_cursor"]
    # Re-importing the same file changes nothing, so the feed stays quiet.
    assert members.import_csv(srv.central, CSV.encode()).unchanged == 3
    assert kiosk.get(url, params={"after": cursor}).json()["items"] == []
    members.delete_member(srv.central, "M002")
    p3 = kiosk.get(url, params={"after": cursor}).json()
    [tomb] = p3["items"]
    assert tomb["member_no"] == "M002" and tomb["deleted"] and tomb["name"] == ""
    # Tombstones past retention are purged: a cursor from before them must resync.
    members.purge_tombstones(srv.central, now=datetime.now(UTC) + timedelta(days=91))
    p4 = kiosk.get(url, params={"after": cursor}).json()
    assert p4["reset"] and [m["member_no"] for m in p4["items"]] == ["M001", "M003"]
    assert kiosk.get(url, params={"after": 10**12}).json()["reset"]  # from another database


def test_heartbeat_is_recorded_for_the_console(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    sent = datetime.now(UTC) + timedelta(seconds=90)
    r = kiosk.post(
        srv.url("/api/v1/heartbeat"),
        json={
            "sent_at": sent.isoformat(),
            "versions": {"kiosk": "0.1.0"},
            "outbox_depth": 7,
            "devices": [{"name": "reader", "kind": "card_reader", "state": "degraded", "reason": "slow"}],
        },
    )
    assert r.status_code == 200, r.text
    assert 80_000 < r.json()["clock_skew_ms"] < 100_000
    [k] = [k for k in kiosks.list_kiosks(srv.central) if k.name == "Lobby"]
    assert k.outbox_depth == 7 and not k.late and k.health[0]["state"] == "degraded"
    assert k.versions == {"kiosk": "0.1.0"}
    bad = kiosk.post(srv.url("/api/v1/heartbeat"), json={"sent_at": sent.isoformat(), "outbox_depth": -1})
    assert bad.status_code == 422


def test_key_rotation_keeps_old_passes_valid(central_server: CentralServer, kiosk: requests.Session) -> None:
    srv = central_server
    v1 = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    old = visits.approve_visit(srv.central, v1["visit_id"], None)
    with srv.central.db.writing() as s:
        srv.central.signer.rotate(s, datetime.now(UTC))
    v2 = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    new = visits.approve_visit(srv.central, v2["visit_id"], None)
    keys = kiosk.get(srv.url("/api/v1/keys")).json()
    assert len(keys["keys"]) == 2 and keys["facilities"][0] == "lobby"
    retiring = [k for k in keys["keys"] if k["retire_after"] is not None]
    assert len(retiring) == 1
    trust = passes.TrustedKeys.from_published(keys["keys"])
    now = datetime.now(UTC)
    c_old = passes.check_pass(old.pass_.text, trust, now=now)  # type: ignore[union-attr]
    c_new = passes.check_pass(new.pass_.text, trust, now=now)  # type: ignore[union-attr]
    assert c_old.key_id != c_new.key_id and c_old.key_id == retiring[0]["key_id"]
    # Once the old key's last pass has expired, kiosks stop trusting it.
    with srv.central.db.writing() as s:
        later = srv.central.signer.published(s, now + timedelta(hours=5))
    assert [k["key_id"] for k in later] == [c_new.key_id]


def test_revocation_reaches_the_long_poll_and_the_list(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    other = srv.kiosk_session(srv.add_kiosk("Pool"))
    v = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    approved = visits.approve_visit(srv.central, v["visit_id"], None)
    cursor = other.get(srv.url("/api/v1/revocations")).json()["cursor"]
    poll = Poll(srv, other, after=cursor)
    poll.start()
    wait_until(lambda: srv.central.wakeups.waiting >= 1, 10, "the long-poll to wait")
    visits.revoke_pass(srv.central, v["visit_id"], None, "left the building")
    poll.join(timeout=15)
    assert poll.result is not None
    [item] = poll.result["items"]
    assert item["kind"] == "revocation" and item["payload"]["id"] == approved.pass_.pass_id  # type: ignore[union-attr]
    body = other.get(srv.url("/api/v1/revocations")).json()
    assert body["pass_ids"] == [approved.pass_.pass_id]  # type: ignore[union-attr]
    rl = passes.RevocationList.from_dict(body)
    with pytest.raises(passes.Revoked):
        passes.check_pass(
            approved.pass_.text,
            trusted(srv, other),
            now=datetime.now(UTC),  # type: ignore[union-attr]
            revocations=rl,
        )


def test_invited_visitor_gets_a_pass_at_once(central_server: CentralServer, kiosk: requests.Session) -> None:
    srv = central_server
    now = datetime.now(UTC)
    inv = invitations.create(
        srv.central, None, "Zhao Liu", "Unit 5-1201", now - timedelta(minutes=5), now + timedelta(hours=3)
    )
    claims = passes.check_invitation(inv.qr_text, trusted(srv, kiosk), now=now)
    assert claims.invitation_id == inv.id
    # Scanners end a read with CR/LF: that is forgiven.
    look = kiosk.post(srv.url("/api/v1/invitations/lookup"), json={"qr": inv.qr_text + "\r\n"}).json()
    assert look["invitation_id"] == inv.id and look["usable_now"]
    # lobby_core.masking's screen rule (first letter of each word) replaced central's own one.
    assert look["visitor_name_masked"] == "Z*** L**" and look["entries_left"] == 1
    r = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=inv.qr_text))
    assert r.status_code == 201 and r.json()["status"] == "approved" and r.json()["pass"]["text"]
    again = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(invitation=inv.qr_text))
    assert again.status_code == 422 and again.json()["error"] == "invitation_used"
    invitations.revoke(srv.central, inv.id)
    assert kiosk.get(srv.url("/api/v1/revocations")).json()["invitation_ids"] == [inv.id]


def test_blocklisted_visitor_is_flagged_for_reception(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    blocklist.add(srv.central, None, "cn_ric", RIC.lower(), "banned after incident", name="张三丰")
    assert blocklist.match(srv.central, "cn_ric", RIC) is not None
    # Matching is on the number whatever type is claimed (it used to be per type: None here).
    assert blocklist.match(srv.central, "passport", RIC) is not None
    v = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    clean = kiosk.post(
        srv.url("/api/v1/visits"),
        json=visit_body(id_type="passport", id_number="E12345678", id_country="USA"),
    ).json()
    pending = {p.id: p for p in visits.list_pending(srv.central)}
    assert pending[v["visit_id"]].blocklisted and not pending[clean["visit_id"]].blocklisted
    assert pending[v["visit_id"]].id_masked == "110***********002X"
    [entry] = blocklist.entries(srv.central)
    blocklist.remove(srv.central, entry.id)
    assert blocklist.match(srv.central, "cn_ric", RIC) is None


def test_retention_purges_personal_fields_but_keeps_the_row(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    srv = central_server
    v = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    kept = kiosk.post(srv.url("/api/v1/visits"), json=visit_body(name="Recent Visitor")).json()
    approved = visits.approve_visit(srv.central, v["visit_id"], None)
    left = datetime.now(UTC)
    kiosk.post(
        srv.url("/api/v1/events"),
        json={
            "events": [
                event(kind="visitor_entry", visit_id=v["visit_id"], pass_id=approved.pass_.pass_id),  # type: ignore[union-attr]
                event(kind="visitor_exit", visit_id=v["visit_id"], occurred_at=left.isoformat(),
                      pass_id=approved.pass_.pass_id),  # type: ignore[union-attr]
            ]
        },
    )
    assert retention.purge_personal_data(srv.central, now=left + timedelta(days=29)) == 0
    assert retention.purge_personal_data(srv.central, now=left + timedelta(days=30, minutes=1)) == 1
    rows, total = visits.visit_log(srv.central)
    byid = {r.id: r for r in rows}
    gone = byid[v["visit_id"]]
    assert (
        # The product's one name rule (张*丰) replaced central's first-character-only rule.
        gone.purged and gone.name == "张*丰" and gone.mobile is None
        and gone.id_masked == "110***********002X"
    )
    assert gone.checked_out_at is not None and gone.host == "Unit 12-301"
    assert not byid[kept["visit_id"]].purged and byid[kept["visit_id"]].name == "Recent Visitor"
    from central.models import Visit

    with srv.central.db.reading() as s:
        row = s.get(Visit, v["visit_id"])
        assert row is not None and row.id_number_enc is None and row.id_hash is None


def test_settings_are_honoured(central_db_url: str, tmp_path: Any) -> None:
    """pending_ttl from settings decides the deadline a kiosk is told."""
    from tests.fixtures.central import start_central_server

    srv = start_central_server(central_db_url, tmp_path / "d", pending_ttl=timedelta(seconds=42))
    try:
        k = srv.kiosk_session(srv.add_kiosk())
        v = k.post(srv.url("/api/v1/visits"), json=visit_body()).json()
        created = datetime.fromisoformat(v["created_at"])
        assert datetime.fromisoformat(v["expires_at"]) - created == timedelta(seconds=42)
    finally:
        srv.stop()
    assert dataclasses.is_dataclass(srv.central.settings)


def test_a_passage_without_the_visits_pass_or_at_an_impossible_time_is_ignored(
    central_server: CentralServer, kiosk: requests.Session
) -> None:
    """A kiosk with a wrong clock, or another kiosk's forged exit, must not check a visitor out
    (off the roll call, and the retention clock started)."""
    srv = central_server
    v = kiosk.post(srv.url("/api/v1/visits"), json=visit_body()).json()
    approved = visits.approve_visit(srv.central, v["visit_id"], None)
    pass_id = approved.pass_.pass_id  # type: ignore[union-attr]
    other = srv.kiosk_session(srv.add_kiosk("Elsewhere"))
    long_ago = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    far_ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    forged = [
        event(kind="visitor_exit", visit_id=v["visit_id"]),  # no pass
        event(kind="visitor_exit", visit_id=v["visit_id"], pass_id=pass_id ^ 1),  # another pass
        event(kind="visitor_exit", visit_id=v["visit_id"], pass_id=pass_id, occurred_at=long_ago),
        event(kind="visitor_exit", visit_id=v["visit_id"], pass_id=pass_id, occurred_at=far_ahead),
    ]
    assert other.post(srv.url("/api/v1/events"), json={"events": forged}).status_code == 200
    assert retention.purge_personal_data(srv.central, now=datetime.now(UTC) + timedelta(days=29)) == 0
    rows, _ = visits.visit_log(srv.central)
    row = next(r for r in rows if r.id == v["visit_id"])
    assert row.checked_out_at is None and not row.purged
    # The real exit, with the visit's own pass, counts.
    ok = [event(kind="visitor_exit", visit_id=v["visit_id"], pass_id=pass_id)]
    assert kiosk.post(srv.url("/api/v1/events"), json={"events": ok}).status_code == 200
    rows, _ = visits.visit_log(srv.central)
    assert next(r for r in rows if r.id == v["visit_id"]).checked_out_at is not None
