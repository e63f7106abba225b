"""The store's schema under migrations, on real SQLite files: old databases are upgraded, with
their data intact; an unknown revision is refused untouched; the models match the head."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kiosk.domain.model import Freeze
from kiosk.store import PulseState, Store, StoreError, migrate
from kiosk.store.tables import Base
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _fill(store: Store) -> None:
    parsed = parse_csv(members_csv_bytes([
        member_row("M1", "04A1B2C3|04A1B2C4", name="张小明", visits=5),
        member_row("M2", "04A1B2C5", name="John Smith", facilities="gym|pool"),
    ]))
    with store.write() as tx:
        tx.import_members(parsed.members, NOW)
        tx.set_freezes("M2", [Freeze(date(2026, 7, 1), date(2026, 7, 14))])
        # Plain SQL of revision 0001's columns, as a build of that revision wrote events.
        tx.conn.exec_driver_sql(
            "INSERT INTO access_events (uuid, at, facility, direction, card_uid, member_no, "
            "granted, reason, consumed_visit, visits_left, pulse_state, synced_at) VALUES "
            "('e-1', '2026-06-01 02:00:00.000000', 'gym', 'entry', '04A1B2C3', 'M1', 1, NULL, "
            "1, 4, 'confirmed', NULL)")


def test_upgrade_from_previous_revision_keeps_every_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = Store.open(data, revision="0001")
    assert migrate.current(old.engine) == "0001"
    _fill(old)
    old.close()
    assert "lockers" not in inspect(Store.open(data, revision="0001").engine).get_table_names()

    store = Store.open(data)  # what `kiosk run` does on start
    assert migrate.current(store.engine) == migrate.head()
    with store.read() as tx:
        m1, m2 = tx.member("M1"), tx.member("M2")
        assert m1 is not None and m2 is not None
        assert (m1.name, m1.visits_remaining) == ("张小明", 5)
        assert tx.member_by_uid("04A1B2C4") == m1
        assert {e.facility for e in m2.entitlements} == {"gym", "pool"}
        assert m2.freezes == (Freeze(date(2026, 7, 1), date(2026, 7, 14)),)
        (ev,) = tx.events()
        assert (ev.uuid, ev.member_no, ev.pulse_state, ev.locker) == (
            "e-1", "M1", PulseState.CONFIRMED, None)
        assert tx.members_as_of() == NOW
        assert tx.lockers() == {}
    backups = list(data.glob("kiosk.db.before-upgrade-from-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as b:
        assert b.execute("SELECT count(*) FROM members").fetchone() == (2,)
    store.close()


def test_upgrade_from_the_revision_before_head_keeps_members_and_events(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate._config())
    previous = scripts.get_revision(migrate.head()).down_revision
    assert isinstance(previous, str)
    old = Store.open(tmp_path, revision=previous)
    parsed = parse_csv(members_csv_bytes([member_row("M1", "04A1B2C3", name="李华", visits=2)]))
    with old.write() as tx:
        tx.import_members(parsed.members, NOW)
        tx.conn.exec_driver_sql(
            "INSERT INTO access_events (uuid, at, facility, direction, card_uid, member_no, "
            "granted, reason, consumed_visit, visits_left, pulse_state, synced_at) VALUES "
            "('e-1', '2026-06-01 02:00:00.000000', 'gym', 'entry', '04A1B2C3', 'M1', 1, NULL, "
            "1, 1, 'pending', NULL)")
    old.close()
    store = Store.open(tmp_path)
    with store.read() as tx:
        m = tx.member_by_uid("04A1B2C3")
        assert m is not None and (m.name, m.visits_remaining) == ("李华", 2)
        (ev,) = tx.events()
        assert (ev.uuid, ev.pulse_state) == ("e-1", PulseState.PENDING)
    assert store.recover_unconfirmed() == 1
    store.close()


def test_opening_at_head_again_changes_nothing_and_makes_no_backup(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    Store.open(tmp_path).close()
    assert not list(tmp_path.glob("*.before-upgrade-*"))


def test_database_from_a_newer_build_is_refused_untouched(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    _fill(store)
    store.close()
    with sqlite3.connect(tmp_path / "kiosk.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    before = (tmp_path / "kiosk.db").read_bytes()
    with pytest.raises(StoreError, match="revision '9999', which this build does not know"):
        Store.open(tmp_path)
    assert (tmp_path / "kiosk.db").read_bytes() == before


def test_head_schema_matches_the_models(kiosk_store: Store) -> None:
    insp = inspect(kiosk_store.engine)
    for table in Base.metadata.sorted_tables:
        live = {c["name"]: c for c in insp.get_columns(table.name)}
        assert set(live) == {c.name for c in table.columns}, table.name
        for col in table.columns:
            assert bool(live[col.name]["nullable"]) == col.nullable or col.primary_key, (
                f"{table.name}.{col.name}")
        live_ix = {ix["name"] for ix in insp.get_indexes(table.name)}
        assert {ix.name for ix in table.indexes} <= live_ix, table.name


def test_pragmas_are_wal_and_full_sync(kiosk_store: Store) -> None:
    with kiosk_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unwritable_data_dir_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the data directory"):
        Store.open(blocker / "data")


def test_0010_gives_pins_stored_before_roles_the_receptionists(tmp_path: Path) -> None:
    """Revision 0010: a PIN held before roles came from a central that sent only visitor
    approvers' PINs; it approves visitors and opens no technician mode until the next sync."""
    from kiosk.store.pins import APPROVERS, TECHNICIANS

    data = tmp_path / "data"
    old = Store.open(data, revision="0009")
    with old.write() as tx:
        tx.conn.exec_driver_sql("INSERT INTO receptionist_pins (user, pin_hash) VALUES ('rita', 'h1')")
    old.close()
    store = Store.open(data)
    try:
        with store.read() as tx:
            assert tx.pin_users(APPROVERS) == ["rita"] and tx.pin_users(TECHNICIANS) == []
        with store.write() as tx:
            # What the next sync sends replaces it; a role this kiosk does not know is dropped.
            assert tx.put_pin_hashes([("rita", "h2", "receptionist"), ("tom", "h3", "technician"),
                                      ("eve", "h4", "superuser")]) == 2
        with store.read() as tx:
            assert tx.pin_hashes(TECHNICIANS) == [("tom", "h3")]
            assert tx.pin_hash("rita") == "h2" and tx.pin_hash("eve", APPROVERS | TECHNICIANS) is None
    finally:
        store.close()
