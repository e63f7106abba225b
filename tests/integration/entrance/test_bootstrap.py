"""bootstrap.build(): config -> store, relays (all off at open), sim:// card reader, services."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

import devices
from devices import simhub
from kiosk import config
from kiosk.bootstrap import build
from kiosk.entrance import EntranceResult
from kiosk.store import Event, PulseState, Store
from kiosk.store.run_lock import RunLock
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import RecordingRelay, member_row, members_csv_bytes, wait_for


def _cfg(tmp_path: Path, **access: object) -> config.Config:
    return config.from_dict({
        "kiosk": {"data_dir": str(tmp_path / "data"), "facility": "gym"},
        "devices": {"card_reader": "sim://?name=boot", "relay": "sim://"},
        "gate": {"relay_channel": 2, "pulse_ms": 300},
        "lockers": {"channels": [5, 6], "labels": ["A1", "A2"]},
        "access": dict(access),
    })


def _seed(data: Path) -> None:
    store = Store.open(data)
    with store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row("M1", "04A1B2C3")])).members,
                          datetime.now(UTC))
    store.close()


def test_build_start_tap_stop(tmp_path: Path) -> None:
    _seed(tmp_path / "data")
    relays: list[RecordingRelay] = []

    def open_relay(url: str) -> devices.Relay:
        relays.append(RecordingRelay())
        return relays[-1]

    kiosk = build(_cfg(tmp_path), open_relay=open_relay)
    (relay,) = relays  # lockers share the gate's board
    assert relay.all_off_calls == 1  # switched off at open, before any tap
    got: list[EntranceResult] = []
    kiosk.member_entrance.subscribe(got.append)
    kiosk.start()
    try:
        assert simhub.get("card_reader", "boot").tap("04a1b2c3")
        wait_for(lambda: got, 5, "the tap's result")
        assert (got[0].granted, got[0].locker) == (True, "A1")
        assert relay.pulses == [(2, 300), (5, 300)]
        assert kiosk.health()["card_reader"].is_ok
    finally:
        kiosk.stop()
    assert relay.all_off_calls == 2
    with pytest.raises(LookupError):
        simhub.get("card_reader", "boot")


def test_config_rule_is_applied_and_withdrawn(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, opening_hours={"mon": "06:00-22:00"}, capacity=20),
                  open_relay=lambda url: RecordingRelay())
    with kiosk.store.read() as tx:
        rule = tx.facility_rule("gym")
    kiosk.stop()
    assert rule is not None and rule.hours == {0: ((time(6), time(22)),)} and rule.capacity == 20
    kiosk = build(_cfg(tmp_path), open_relay=lambda url: RecordingRelay())
    with kiosk.store.read() as tx:
        assert tx.facility_rule("gym") is None
    kiosk.stop()


def test_capacity_alone_means_open_all_day(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, capacity=5), open_relay=lambda url: RecordingRelay())
    with kiosk.store.read() as tx:
        rule = tx.facility_rule("gym")
    kiosk.stop()
    assert rule is not None and rule.hours == {d: ((time(0), time(0)),) for d in range(7)}


def test_a_device_that_fails_to_open_closes_what_was_opened(tmp_path: Path) -> None:
    relay = RecordingRelay()
    closed: list[bool] = []
    relay.close = lambda: closed.append(True)  # type: ignore[method-assign]

    def no_reader(url: str) -> devices.CardReader:
        raise devices.DeviceNotFound("no reader")

    with pytest.raises(devices.DeviceNotFound):
        build(_cfg(tmp_path), open_relay=lambda url: relay, open_card_reader=no_reader)
    assert closed == [True]


def test_opening_the_store_mid_pulse_does_not_unconfirm_it(tmp_path: Path) -> None:
    _seed(tmp_path / "data")
    relay = RecordingRelay()
    kiosk = build(_cfg(tmp_path), open_relay=lambda url: relay)
    seen: list[list[str]] = []

    def during_pulse(channel: int, ms: int) -> None:
        # e.g. `kiosk sync --once` or `kiosk members import` starting right now
        other = Store.open(tmp_path / "data")
        with other.read() as tx:
            seen.append([e.pulse_state.value for e in tx.events()])
        other.close()

    relay.on_pulse = during_pulse
    try:
        result = kiosk.member_entrance.handle_tap(devices.Tap(uid="04A1B2C3", atr="", reader="t",
                                                       at=datetime.now(UTC)))
    finally:
        kiosk.stop()
    assert seen[0] == ["pending"]
    assert result.pulse is PulseState.CONFIRMED
    store = Store.open(tmp_path / "data")
    with store.read() as tx:
        assert [e.pulse_state for e in tx.outbox()] == [PulseState.CONFIRMED]
    store.close()


def _pending(data: Path, uuid: str, at: datetime) -> None:
    store = Store.open(data)
    with store.write() as tx:
        tx.insert_event(Event(uuid=uuid, at=at, facility="gym", direction="entry",
                              card_uid="04A1B2C3", member_no="M1", granted=True, reason=None,
                              consumed_visit=False, visits_left=None,
                              pulse_state=PulseState.PENDING))
    store.close()


def _states(data: Path) -> dict[str, PulseState]:
    store = Store.open(data)
    with store.read() as tx:
        states = {e.uuid: e.pulse_state for e in tx.events()}
    store.close()
    return states


def test_a_run_unconfirms_orphans_but_not_another_live_runs_pulses(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _seed(data)
    now = datetime.now(UTC)
    _pending(data, "orphan", now - timedelta(minutes=30))
    _pending(data, "in-flight", now)
    other_run = RunLock.acquire(data)  # another kiosk run on this store, mid-pulse
    try:
        build(_cfg(tmp_path), open_relay=lambda url: RecordingRelay()).stop()
        assert _states(data) == {"orphan": PulseState.UNCONFIRMED, "in-flight": PulseState.PENDING}
    finally:
        other_run.release()
    # Alone, every pending row belongs to a run that died mid-pulse.
    build(_cfg(tmp_path), open_relay=lambda url: RecordingRelay()).stop()
    assert _states(data) == {"orphan": PulseState.UNCONFIRMED, "in-flight": PulseState.UNCONFIRMED}
