"""The store's side of passes on real SQLite files: revision 0007 upgrades a 0006 database with
its events intact, and a pass's count survives a restart (a reopened store still says used up)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kiosk.domain.passes import PassUsage
from kiosk.store import Event, PulseState, Store, migrate
from tests.unit.domain.pass_builders import NOW


def test_upgrade_from_0006_keeps_events_and_adds_pass_counts(tmp_path: Path) -> None:
    old = Store.open(tmp_path, revision="0006")
    with old.write() as tx:
        tx.conn.exec_driver_sql(
            "INSERT INTO access_events (uuid, at, facility, direction, card_uid, member_no, "
            "granted, reason, consumed_visit, visits_left, pulse_state, synced_at, locker) VALUES "
            "('e-1', '2026-06-01 02:00:00.000000', 'gym', 'entry', '04A1B2C3', 'M1', 1, NULL, "
            "1, 4, 'confirmed', NULL, 'L1')")
    old.close()
    store = Store.open(tmp_path)
    assert migrate.current(store.engine) == migrate.head()
    with store.read() as tx:
        (ev,) = tx.events()
        assert (ev.uuid, ev.member_no, ev.locker, ev.pass_id, ev.visit_id) == ("e-1", "M1", "L1", None, None)
        assert tx.pass_usage(1) == PassUsage()
    store.close()


def test_counts_survive_a_restart_and_a_refund_restores_the_last_entry(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    until = NOW + timedelta(hours=1)
    with store.write() as tx:
        tx.count_pass_entry(4_000_000_000, NOW, until)  # pass ids are u32
        before = tx.pass_usage(4_000_000_000)
        tx.count_pass_entry(4_000_000_000, NOW + timedelta(minutes=5), until)
        tx.insert_event(Event(uuid="p-1", at=NOW, facility="gym", direction="entry", card_uid="",
                              member_no=None, granted=True, reason=None, consumed_visit=False,
                              visits_left=0, pulse_state=PulseState.CONFIRMED,
                              pass_id=4_000_000_000, visit_id=42))
    store.close()
    store = Store.open(tmp_path)
    with store.write() as tx:
        assert tx.pass_usage(4_000_000_000) == PassUsage(2, NOW + timedelta(minutes=5))
        tx.refund_pass_entry(4_000_000_000, before)
        assert tx.pass_usage(4_000_000_000) == PassUsage(1, NOW)
        assert (tx.event("p-1").pass_id, tx.event("p-1").visit_id) == (4_000_000_000, 42)  # type: ignore[union-attr]
        assert tx.purge_pass_uses(until) == 0
        assert tx.purge_pass_uses(until + timedelta(seconds=1)) == 1
    store.close()
