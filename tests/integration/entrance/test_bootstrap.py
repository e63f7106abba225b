"""bootstrap.build(): config -> store, relays (all off at open), sim:// card reader, pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

import devices
from devices import simhub
from kiosk import config
from kiosk.bootstrap import build
from kiosk.entrance import EntranceResult
from kiosk.members_csv import parse_csv
from kiosk.store import Store
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
    kiosk.pipeline.subscribe(got.append)
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
