"""The store's data operations on a real SQLite file: import (upsert), lookup, visits, events,
outbox, lockers, and names encrypted at rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain.model import Entitlement, MemberStatus
from kiosk.store import Event, ImportResult, Locker, PulseState, Store
from lobby_core.members_csv import MemberRecord, parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _import(store: Store, rows: list[dict[str, str]], now: datetime = NOW) -> tuple[int, int, list[str]]:
    parsed = parse_csv(members_csv_bytes(rows))
    assert parsed.errors == ()
    with store.write() as tx:
        r = tx.import_members(parsed.members, now)
    return r.created, r.updated, [str(e) for e in r.errors]


def test_import_then_lookup_by_any_card(kiosk_store: Store) -> None:
    assert _import(kiosk_store, [
        member_row("M1", "04A1B2C3|04A1B2C3D4E5F6", name="张小明", facilities="gym|pool",
                   valid_from="2026-01-01", valid_until="2026-12-31", visits=10),
        member_row("M2", "04A1B2C5", status="blocked"),
    ]) == (2, 0, [])
    with kiosk_store.read() as tx:
        m = tx.member_by_uid("04A1B2C3D4E5F6")
        assert m is not None and m == tx.member_by_uid("04A1B2C3")
        assert (m.member_no, m.name, m.status, m.visits_remaining) == (
            "M1", "张小明", MemberStatus.ACTIVE, 10)
        assert set(m.entitlements) == {
            Entitlement("gym", date(2026, 1, 1), date(2026, 12, 31)),
            Entitlement("pool", date(2026, 1, 1), date(2026, 12, 31)),
        }
        assert tx.member_by_uid("FFFFFFFF") is None
        assert tx.member("M2").status is MemberStatus.BLOCKED  # type: ignore[union-attr]
        assert tx.members_as_of() == NOW


def test_reimport_upserts_replaces_cards_and_keeps_absent_members(kiosk_store: Store) -> None:
    _import(kiosk_store, [member_row("M1", "04A1B2C3", visits=10), member_row("M2", "04A1B2C5")])
    later = NOW + timedelta(days=1)
    assert _import(kiosk_store, [member_row("M1", "04A1B2C4", name="New Name", visits=3),
                                 member_row("M3", "04A1B2C6")], later) == (1, 1, [])
    with kiosk_store.read() as tx:
        assert tx.member_by_uid("04A1B2C3") is None  # M1's old card no longer opens
        m1 = tx.member_by_uid("04A1B2C4")
        assert m1 is not None and (m1.name, m1.visits_remaining) == ("New Name", 3)
        assert tx.member_by_uid("04A1B2C5") is not None  # M2 not in the file: kept
        assert tx.member_count() == 3
        assert tx.members_as_of() == later


def _import_records(store: Store, records: Sequence[MemberRecord], sliced: bool) -> ImportResult:
    if sliced:  # one member per transaction: every move crosses a slice
        return store.import_members(records, NOW, slice_rows=1)
    with store.write() as tx:
        return tx.import_members(records, NOW)


@pytest.mark.parametrize("sliced", [False, True], ids=["one_tx", "sliced"])
def test_card_of_a_member_not_in_the_file_is_refused_with_its_line(kiosk_store: Store,
                                                                    sliced: bool) -> None:
    _import(kiosk_store, [member_row("M1", "04A1B2C3"), member_row("M2", "04A1B2C5")])
    parsed = parse_csv(members_csv_bytes([
        member_row("M3", "04A1B2C6"),
        member_row("M4", "04A1B2C3"),  # M1's card; M1 is not in this file
        member_row("M5", "04A1B2C5"),  # M2's card, but M2 gives it up below: a move, allowed
        member_row("M2", "04A1B2C7"),
    ]))
    r = _import_records(kiosk_store, parsed.members, sliced)
    assert (r.created, r.updated) == (2, 1)  # M3 and M5 new, M2 updated
    assert [str(e) for e in r.errors] == [
        "line 3: card ****B2C3 belongs to member M1, who is not in this file"]
    with kiosk_store.read() as tx:
        assert tx.member("M4") is None  # nothing of the bad row
        assert tx.member_by_uid("04A1B2C3").member_no == "M1"  # type: ignore[union-attr]
        assert tx.member_by_uid("04A1B2C5").member_no == "M5"  # type: ignore[union-attr]
        assert tx.member_by_uid("04A1B2C7").member_no == "M2"  # type: ignore[union-attr]


@pytest.mark.parametrize("sliced", [False, True], ids=["one_tx", "sliced"])
def test_refusing_a_row_cascades_to_a_row_that_needed_its_card(kiosk_store: Store,
                                                                sliced: bool) -> None:
    _import(kiosk_store, [member_row("M1", "04A1B2C3"), member_row("M2", "04A1B2C5")])
    parsed = parse_csv(members_csv_bytes([
        member_row("M2", "04A1B2C3"),  # takes M1's card: M1 not in file -> refused
        member_row("M9", "04A1B2C5"),  # takes M2's card, but M2's row was refused -> refused
    ]))
    r = _import_records(kiosk_store, parsed.members, sliced)
    assert [e.line for e in r.errors] == [2, 3]
    with kiosk_store.read() as tx:
        assert tx.member_by_uid("04A1B2C5").member_no == "M2"  # type: ignore[union-attr]


def test_names_are_encrypted_at_rest(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    _import(store, [member_row("M1", "04A1B2C3", name="Zebediah Quartermaine")])
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*"))
    assert b"M1" in raw and b"Zebediah" not in raw and b"Quartermaine" not in raw
    key = tmp_path / "member-names.key"
    assert key.stat().st_mode & 0o777 == 0o600
    # A replaced key: the member still gets in, only the name is blank.
    key.write_bytes(b"\x01" * 32)
    store = Store.open(tmp_path)
    with store.read() as tx:
        assert tx.member_by_uid("04A1B2C3").name == ""  # type: ignore[union-attr]
    store.close()


def test_visits_never_go_below_zero_and_refund(kiosk_store: Store) -> None:
    _import(kiosk_store, [member_row("M1", "04A1B2C3", visits=1), member_row("M2", "04A1B2C4")])
    with kiosk_store.write() as tx:
        assert tx.consume_visit("M1") == 0
        assert tx.consume_visit("M2") is None  # unlimited
    with pytest.raises(ValueError, match="no visits left"), kiosk_store.write() as tx:
        tx.consume_visit("M1")
    with kiosk_store.write() as tx:
        tx.refund_visit("M1")
        assert tx.member("M1").visits_remaining == 1  # type: ignore[union-attr]


def _event(uuid: str, at: datetime, *, member: str | None = "M1", uid: str = "04A1B2C3",
           direction: str = "entry", granted: bool = True,
           pulse: PulseState = PulseState.CONFIRMED) -> Event:
    return Event(uuid=uuid, at=at, facility="gym", direction=direction, card_uid=uid,
                 member_no=member, granted=granted, reason=None if granted else "expired",
                 consumed_visit=False, visits_left=None, pulse_state=pulse)


def test_activity_queries(kiosk_store: Store) -> None:
    since = NOW - timedelta(hours=2)
    with kiosk_store.write() as tx:
        tx.insert_event(_event("a", NOW - timedelta(days=1)))  # yesterday: not inside today
        tx.insert_event(_event("b", NOW - timedelta(minutes=30), member="M2", uid="04A1B2C4"))
        tx.insert_event(_event("c", NOW - timedelta(minutes=20), member="M3", uid="04A1B2C5"))
        tx.insert_event(_event("d", NOW - timedelta(minutes=10), member="M3", uid="04A1B2C5",
                               direction="exit"))
        tx.insert_event(_event("e", NOW - timedelta(minutes=5), member="M4", uid="04A1B2C6",
                               pulse=PulseState.FAILED))  # never got in
        tx.insert_event(_event("f", NOW - timedelta(minutes=1), member="M5", uid="04A1B2C7",
                               granted=False, pulse=PulseState.NONE))
    with kiosk_store.read() as tx:
        assert tx.last_granted_entry("04A1B2C3", "gym") == NOW - timedelta(days=1)
        assert tx.last_granted_entry("04A1B2C6", "gym") is None
        assert tx.last_granted_entry("04A1B2C3", "pool") is None
        assert tx.is_inside("M2", "gym", since)
        assert not tx.is_inside("M3", "gym", since)
        assert not tx.is_inside("M1", "gym", since)
        assert tx.occupancy("gym", since) == 1  # only M2


def test_opening_leaves_pending_events_to_the_run_that_recovers_them(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    with store.write() as tx:
        tx.insert_event(_event("old", NOW - timedelta(minutes=10), pulse=PulseState.PENDING))
        tx.insert_event(_event("p", NOW, pulse=PulseState.PENDING))
        tx.insert_event(_event("c", NOW, pulse=PulseState.CONFIRMED))
    # Another process opening the store (sync --once, members import) changes nothing.
    other = Store.open(tmp_path)
    other.close()
    with store.read() as tx:
        assert {e.uuid: e.pulse_state for e in tx.events()} == {
            "old": PulseState.PENDING, "p": PulseState.PENDING, "c": PulseState.CONFIRMED}
    assert store.recover_unconfirmed(NOW - timedelta(minutes=5)) == 1
    assert store.recover_unconfirmed() == 1
    with store.read() as tx:
        assert {e.uuid: e.pulse_state for e in tx.events()} == {
            "old": PulseState.UNCONFIRMED, "p": PulseState.UNCONFIRMED, "c": PulseState.CONFIRMED}
    store.close()


def test_outbox_until_acknowledged(kiosk_store: Store) -> None:
    with kiosk_store.write() as tx:
        for i in range(3):
            tx.insert_event(_event(f"e{i}", NOW + timedelta(seconds=i)))
        tx.insert_event(_event("pending", NOW, pulse=PulseState.PENDING))
    with kiosk_store.write() as tx:
        assert [e.uuid for e in tx.outbox()] == ["e0", "e1", "e2"]
        assert tx.mark_synced(["e0", "e1", "nope"], NOW) == 2
        assert tx.mark_synced(["e0"], NOW) == 0
    with kiosk_store.read() as tx:
        assert [e.uuid for e in tx.outbox()] == ["e2"]
        assert tx.event("e0").synced_at == NOW  # type: ignore[union-attr]


def test_lockers_assign_keep_release_and_reconfigure(kiosk_store: Store) -> None:
    bank = [Locker("A1", 1), Locker("A2", 2)]
    order = ["A1", "A2"]
    with kiosk_store.write() as tx:
        assert tx.configure_lockers(bank) == []
        assert tx.assign_locker("M1", order, NOW) == Locker("A1", 1)
        assert tx.assign_locker("M1", order, NOW) == Locker("A1", 1)  # same member, same locker
        assert tx.assign_locker("M2", order, NOW) == Locker("A2", 2)
        assert tx.assign_locker("M3", order, NOW) is None  # all taken
        assert tx.release_locker("M1") == Locker("A1", 1)
        assert tx.release_locker("M1") is None
        assert tx.assign_locker("M3", order, NOW) == Locker("A1", 1)
        assert tx.configure_lockers([Locker("A1", 5)]) == ["A2"]  # A2 was held by M2
        assert tx.lockers() == {"A1": "M3"}
        assert tx.locker_of("M3") == Locker("A1", 5)
