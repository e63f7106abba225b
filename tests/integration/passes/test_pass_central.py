"""Central's side of passes at the turnstile, on real central (uvicorn on loopback, SQLite and
PostgreSQL): kiosks' visitor_entry events, as the kiosk outbox words them, count a pass's
entries; two kiosks that admitted a single-entry pass while offline leave one overuse, recorded
once however often they resend; refusals and failed gates count for nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from central.services import pass_entries, visits
from kiosk.store import Event, PulseState
from kiosk.sync.outbox import to_wire
from tests.fixtures.central import CentralServer

RIC = "11010519491231002X"


def _approved_visit(srv: CentralServer, kiosk: requests.Session, entries: int) -> tuple[int, int]:
    body = {"client_id": str(uuid.uuid4()), "id_type": "cn_ric", "id_number": RIC, "name": "张三丰",
            "mobile": "13800138000", "host": "Unit 12-301", "purpose": "delivery", "party_size": 1}
    v = kiosk.post(srv.url("/api/v1/visits"), json=body).json()
    approved = visits.approve_visit(srv.central, v["visit_id"], None, entries=entries)
    assert approved.pass_ is not None
    return v["visit_id"], approved.pass_.pass_id


def _entry(pass_id: int, visit_id: int, at: datetime, state: PulseState = PulseState.CONFIRMED,
           granted: bool = True, reason: str | None = None) -> dict[str, Any]:
    """The event a kiosk's outbox sends for one scan of a pass."""
    return to_wire(Event(uuid=str(uuid.uuid4()), at=at, facility="gym", direction="entry", card_uid="",
                         member_no=None, granted=granted, reason=reason, consumed_visit=False,
                         visits_left=None, pulse_state=state, pass_id=pass_id, visit_id=visit_id))


def _post(srv: CentralServer, k: requests.Session, batch: list[dict[str, Any]]) -> dict[str, Any]:
    r = k.post(srv.url("/api/v1/events"), json={"events": batch})
    assert r.status_code == 200, r.text
    return r.json()


def test_two_offline_kiosks_past_a_single_entry_pass_leave_one_overuse(
        central_server: CentralServer) -> None:
    srv = central_server
    a = srv.kiosk_session(srv.add_kiosk("Gate A"))
    b = srv.kiosk_session(srv.add_kiosk("Gate B"))
    visit_id, pass_id = _approved_visit(srv, a, entries=1)
    now = datetime.now(UTC)
    at_a = [_entry(pass_id, visit_id, now - timedelta(minutes=3))]
    at_b = [_entry(pass_id, visit_id, now - timedelta(minutes=2), granted=False, reason="anti_passback"),
            _entry(pass_id, visit_id, now - timedelta(minutes=2), PulseState.FAILED),
            _entry(pass_id, visit_id, now - timedelta(minutes=1))]
    assert _post(srv, a, at_a)["accepted"] == 1
    assert pass_entries.entries_of(srv.central, pass_id) == 1
    assert pass_entries.list_overuses(srv.central) == []
    assert _post(srv, b, at_b)["accepted"] == 3
    # The refusal and the failed gate are no entries; B's granted one is one too many.
    assert pass_entries.entries_of(srv.central, pass_id) == 2
    (o,) = pass_entries.list_overuses(srv.central)
    assert (o.pass_id, o.visit_id, o.entries_allowed, o.kiosk, o.facility) == (
        pass_id, visit_id, 1, "Gate B", "gym")
    assert o.occurred_at == now - timedelta(minutes=1)
    # Resent after a lost acknowledgement: nothing new.
    assert _post(srv, b, at_b) == {"accepted": 0, "duplicates": 3}
    assert _post(srv, a, at_a) == {"accepted": 0, "duplicates": 1}
    assert pass_entries.entries_of(srv.central, pass_id) == 2
    assert pass_entries.count_unresolved(srv.central) == 1
    pass_entries.resolve(srv.central, o.id, None, "  visitor  left at once ")
    assert pass_entries.count_unresolved(srv.central) == 0
    (settled,) = pass_entries.list_overuses(srv.central, unresolved_only=False)
    assert settled.note == "visitor left at once" and settled.resolved_at is not None


def test_within_the_entries_or_unknown_to_central_no_overuse(central_server: CentralServer) -> None:
    srv = central_server
    k = srv.kiosk_session(srv.add_kiosk("Gate"))
    visit_id, pass_id = _approved_visit(srv, k, entries=2)
    now = datetime.now(UTC)
    _post(srv, k, [_entry(pass_id, visit_id, now - timedelta(minutes=5)),
                   _entry(pass_id, visit_id, now - timedelta(minutes=1), PulseState.UNCONFIRMED)])
    assert pass_entries.entries_of(srv.central, pass_id) == 2
    # A pass central has no visit for (signed by a kiosk, its approval not pushed yet): counted only.
    _post(srv, k, [_entry(4_000_000_001, 0, now), _entry(4_000_000_001, 0, now)])
    assert pass_entries.entries_of(srv.central, 4_000_000_001) == 2
    assert pass_entries.list_overuses(srv.central, unresolved_only=False) == []


def test_a_refused_scan_does_not_check_the_visitor_in(central_server: CentralServer) -> None:
    srv = central_server
    k = srv.kiosk_session(srv.add_kiosk("Gate"))
    visit_id, pass_id = _approved_visit(srv, k, entries=1)
    now = datetime.now(UTC)

    def checked_in() -> datetime | None:
        rows, _ = visits.visit_log(srv.central)
        return next(r for r in rows if r.id == visit_id).checked_in_at

    _post(srv, k, [_entry(pass_id, visit_id, now, granted=False, reason="not_yet_valid"),
                   _entry(pass_id, visit_id, now, PulseState.FAILED)])
    assert checked_in() is None
    _post(srv, k, [_entry(pass_id, visit_id, now)])
    assert checked_in() is not None
