"""Check-out (签离) at central, on real central (uvicorn on loopback): a slip scanned at a real
exit PassEntrance takes the visitor off the roll call; passages placed by their time whatever
order they arrive in; the nightly auto close at its cut-off; its setting; migration 0006."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from alembic import command
from sqlalchemy import text, update

from backend_client import wire
from central.db import Database
from central.migrate import alembic_config
from central.models import Visit
from central.services import visits
from central.settings import SettingsError, resolve
from devices import DeviceError, Scan
from kiosk.app import Gate, PassEntrance, PassSettings
from kiosk.store import Event, PulseState, Store
from kiosk.sync.outbox import to_wire
from tests.fixtures.central import CentralServer
from tests.fixtures.kiosk import RecordingRelay
from tests.integration.console.support import resident_id

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _visit(srv: CentralServer, kiosk: requests.Session, number: str = resident_id(9)) -> tuple[int, str]:
    body = {"client_id": str(uuid.uuid4()), "id_type": "cn_ric", "id_number": number, "name": "张三丰",
            "mobile": "13800138000", "host": "Unit 12-301", "purpose": "delivery", "party_size": 1}
    r = kiosk.post(srv.url("/api/v1/visits"), json=body)
    assert r.status_code in (200, 201), r.text
    approved = visits.approve_visit(srv.central, r.json()["visit_id"], None)
    assert approved.pass_ is not None
    return approved.visit_id, approved.pass_.text


def _passage(visit_id: int, pass_id: int, kind: str, at: datetime) -> dict[str, Any]:
    return to_wire(Event(uuid=str(uuid.uuid4()), at=at, facility="lobby",
                         direction="exit" if kind == "exit" else "entry", card_uid="", member_no=None,
                         granted=True, reason=None, consumed_visit=False, visits_left=None,
                         pulse_state=PulseState.CONFIRMED, pass_id=pass_id, visit_id=visit_id))


def _post(srv: CentralServer, k: requests.Session, batch: list[dict[str, Any]]) -> None:
    r = k.post(srv.url("/api/v1/events"), json={"events": batch})
    assert r.status_code == 200, r.text


def _row(srv: CentralServer, visit_id: int) -> visits.VisitRow:
    rows, _ = visits.visit_log(srv.central)
    return next(r for r in rows if r.id == visit_id)


def _on_site(srv: CentralServer) -> set[int]:
    return {r.id for r in visits.on_site(srv.central)}


def _kiosk(srv: CentralServer, k: requests.Session, path: Path, relay: RecordingRelay,
           direction: str) -> PassEntrance:
    """A kiosk's store with central's keys as sync stores them, and its pass entrance."""
    store = Store.open(path)
    keys = k.get(srv.url("/api/v1/keys"))
    assert keys.status_code == 200, keys.text
    with store.write() as tx:
        tx.put_pass_keys(wire.Keys.model_validate(keys.json()))
    return PassEntrance(store, Gate(store, relay, channel=1, pulse_ms=50),
                        PassSettings(facility="lobby", zone=SHANGHAI, direction=direction))


def _sent(entrance: PassEntrance, event_uuid: str | None) -> dict[str, Any]:
    with entrance.store.read() as tx:
        ev = tx.event(event_uuid or "")
    assert ev is not None
    return to_wire(ev)


def test_a_slip_at_the_exit_kiosk_takes_the_visitor_off_the_roll_call(
        central_server: CentralServer, tmp_path: Path) -> None:
    srv = central_server
    k = srv.kiosk_session(srv.add_kiosk("Lobby"))
    visit_id, slip = _visit(srv, k)
    in_relay, out_relay = RecordingRelay(), RecordingRelay()
    entry = _kiosk(srv, k, tmp_path / "in", in_relay, "entry")
    exit_ = _kiosk(srv, k, tmp_path / "out", out_relay, "exit")
    try:
        assert visit_id not in _on_site(srv)
        now = datetime.now(UTC) - timedelta(minutes=2)  # every scan in the past, as central sees it
        came = entry.handle_scan(Scan(slip, now))
        assert came.granted and in_relay.pulses == [(1, 50)]
        _post(srv, k, [_sent(entry, came.event_uuid)])
        assert visit_id in _on_site(srv)
        # The exit relay fails: nothing opened, the visitor is still inside.
        out_relay.fail_with = DeviceError("board unplugged")
        failed = exit_.handle_scan(Scan(slip, now + timedelta(seconds=30)))
        assert failed.pulse is PulseState.FAILED
        _post(srv, k, [_sent(exit_, failed.event_uuid)])
        assert visit_id in _on_site(srv)
        out_relay.fail_with = None
        left = exit_.handle_scan(Scan(slip, now + timedelta(seconds=40)))
        assert left.granted and out_relay.pulses == [(1, 50)]
        wire_item = _sent(exit_, left.event_uuid)
        assert wire_item["kind"] == "visitor_exit"
        _post(srv, k, [wire_item])
        assert visit_id not in _on_site(srv)
        row = _row(srv, visit_id)
        assert (row.checkout_kind, row.checked_out_by) == (visits.CHECKOUT_GATE, None)
        assert row.checked_out_at == left.at
    finally:
        entry.store.close()
        exit_.store.close()


def test_passages_are_placed_by_their_time(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    k = srv.kiosk_session(srv.add_kiosk("Lobby"))
    rita = srv.add_user("rita", "receptionist")
    visit_id, _ = _visit(srv, k)
    pass_id = _row(srv, visit_id).pass_id
    assert pass_id is not None
    now = datetime.now(UTC)
    t = [now - timedelta(minutes=4 - i) for i in range(5)]  # t[0] < ... < t[4] <= now
    _post(srv, k, [_passage(visit_id, pass_id, "entry", t[0]), _passage(visit_id, pass_id, "exit", t[2])])
    assert visit_id not in _on_site(srv) and _row(srv, visit_id).checked_out_at == t[2]
    # An earlier exit arriving late changes nothing; an entry before the exit neither.
    _post(srv, k, [_passage(visit_id, pass_id, "exit", t[1]), _passage(visit_id, pass_id, "entry", t[1])])
    assert visit_id not in _on_site(srv) and _row(srv, visit_id).checked_out_at == t[2]
    # Back in after leaving: on site again, the first entry kept.
    _post(srv, k, [_passage(visit_id, pass_id, "entry", t[3])])
    row = _row(srv, visit_id)
    assert visit_id in _on_site(srv)
    assert (row.checked_in_at, row.checked_out_at, row.checkout_kind) == (t[0], None, None)
    with srv.central.db.reading() as s:
        v = s.get(Visit, visit_id)
        assert v is not None and v.ends_at == v.pass_valid_until  # retention counts from the pass again
    # Reception checks the visitor out; a gate exit arriving later does not overwrite who did.
    visits.check_out(srv.central, visit_id, rita)
    desk = _row(srv, visit_id)
    assert (desk.checkout_kind, desk.checked_out_by) == (visits.CHECKOUT_DESK, "rita")
    _post(srv, k, [_passage(visit_id, pass_id, "exit", t[4])])
    assert _row(srv, visit_id) == desk
    with pytest.raises(visits.Conflict):
        visits.check_out(srv.central, visit_id, rita)  # not on site any more
    with pytest.raises(visits.NotFound):
        visits.check_out(srv.central, 1_999_999_999, rita)


def test_a_gate_exit_replaces_an_auto_close(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    k = srv.kiosk_session(srv.add_kiosk("Lobby"))
    visit_id, _ = _visit(srv, k)
    pass_id = _row(srv, visit_id).pass_id
    assert pass_id is not None
    now = datetime.now(UTC)
    _post(srv, k, [_passage(visit_id, pass_id, "entry", now - timedelta(minutes=4))])
    cut = now.astimezone(SHANGHAI).replace(second=0, microsecond=0) - timedelta(minutes=1)
    # A cut-off a minute ago (settings are frozen; this server is this test's own).
    object.__setattr__(srv.central.settings, "auto_checkout_at", cut.time())
    assert visits.auto_checkout(srv.central, SHANGHAI, now) == 1
    closed = _row(srv, visit_id)
    assert (closed.checkout_kind, closed.checked_out_at) == (visits.CHECKOUT_AUTO, cut)
    # The exit the offline kiosk saw, before the cut-off: the real time beats the guess.
    _post(srv, k, [_passage(visit_id, pass_id, "exit", now - timedelta(minutes=3))])
    row = _row(srv, visit_id)
    assert (row.checkout_kind, row.checked_out_at) == (visits.CHECKOUT_GATE, now - timedelta(minutes=3))


def test_auto_checkout_closes_what_was_open_at_the_last_cutoff(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    k = srv.kiosk_session(srv.add_kiosk("Lobby"))
    ids = [_visit(srv, k, resident_id(i))[0] for i in range(1, 5)]
    before_cut, after_cut, never_in, left = ids
    # Local 23:59 in Shanghai on 2026-06-01 is 15:59 UTC.
    cut = datetime(2026, 6, 1, 15, 59, tzinfo=UTC)
    with srv.central.db.writing() as s:
        for vid, came in ((before_cut, cut - timedelta(hours=3)), (after_cut, cut + timedelta(seconds=30)),
                          (left, cut - timedelta(hours=2))):
            s.execute(update(Visit).where(Visit.id == vid).values(checked_in_at=came))
        s.execute(update(Visit).where(Visit.id == left).values(
            checked_out_at=cut - timedelta(hours=1), checkout_kind="gate"))
    assert srv.central.settings.auto_checkout_at == time(23, 59)
    assert visits.auto_checkout(srv.central, SHANGHAI, cut - timedelta(seconds=1)) == 0  # not yet
    assert visits.auto_checkout(srv.central, SHANGHAI, cut) == 1
    assert visits.auto_checkout(srv.central, SHANGHAI, cut + timedelta(hours=3)) == 0  # done once
    closed = _row(srv, before_cut)
    assert (closed.checked_out_at, closed.checkout_kind, closed.checked_out_by) == (
        cut, visits.CHECKOUT_AUTO, None)
    with srv.central.db.reading() as s:
        v = s.get(Visit, before_cut)
        assert v is not None and v.ends_at == cut
    assert _row(srv, after_cut).checked_out_at is None
    assert _row(srv, never_in).checkout_kind is None
    assert _row(srv, left).checkout_kind == "gate"
    # Central was down over the next night's cut-off: the next run closes with that cut-off.
    assert visits.auto_checkout(srv.central, SHANGHAI, cut + timedelta(days=1, hours=9)) == 1
    assert _row(srv, after_cut).checked_out_at == cut + timedelta(days=1)


def test_last_cutoff() -> None:
    at = time(23, 59)
    assert visits.last_cutoff(datetime(2026, 6, 1, 15, 59, tzinfo=UTC), at, SHANGHAI) == datetime(
        2026, 6, 1, 15, 59, tzinfo=UTC)
    assert visits.last_cutoff(datetime(2026, 6, 1, 15, 58, 59, tzinfo=UTC), at, SHANGHAI) == datetime(
        2026, 5, 31, 15, 59, tzinfo=UTC)
    assert visits.last_cutoff(datetime(2026, 6, 1, 16, 30, tzinfo=UTC), time(0, 15), SHANGHAI) == datetime(
        2026, 6, 1, 16, 15, tzinfo=UTC)


def test_the_cutoff_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CENTRAL_AUTO_CHECKOUT_AT", raising=False)
    assert resolve(data_dir=tmp_path).auto_checkout_at == time(23, 59)
    monkeypatch.setenv("CENTRAL_AUTO_CHECKOUT_AT", " 7:30 ")
    assert resolve(data_dir=tmp_path).auto_checkout_at == time(7, 30)
    for bad in ("24:00", "23:60", "2359", "23:5", "noon", "23:59:00", "-1:30"):
        monkeypatch.setenv("CENTRAL_AUTO_CHECKOUT_AT", bad)
        with pytest.raises(SettingsError, match="CENTRAL_AUTO_CHECKOUT_AT"):
            resolve(data_dir=tmp_path)


def test_migration_0006_marks_earlier_exits_as_gate_exits(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'central.db'}")
    try:
        cfg = alembic_config()
        with db.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0005")
            conn.execute(text("INSERT INTO kiosks (id, name, created_at) VALUES (1, 'k', '2026-01-01')"))
            for vid, out in ((1, "2026-01-01 10:00:00"), (2, None)):
                conn.execute(text(
                    "INSERT INTO visits (id, kiosk_id, client_id, request_digest, id_type, id_masked, host,"
                    " purpose, party_size, blocklisted, status, created_at, expires_at, checked_out_at)"
                    " VALUES (:id, 1, :c, 'd', 'cn_ric', '1101***', 'h', 'p', 1, 0, 'approved',"
                    " '2026-01-01', '2026-01-01', :out)"), {"id": vid, "c": str(vid), "out": out})
            command.upgrade(cfg, "0006")
            got = dict(conn.execute(text("SELECT id, checkout_kind FROM visits")).tuples().all())
            assert got == {1: "gate", 2: None}
            command.downgrade(cfg, "0005")
            cols = {r[1] for r in conn.execute(text("PRAGMA table_info(visits)"))}
            assert "checkout_kind" not in cols and "checked_out_by" not in cols
            conn.commit()
    finally:
        db.dispose()
