"""The member entrance on real relay drivers that fail: was the gate possibly opened or not?

After the "on" went out (the board then stops answering) the event is "unconfirmed", the
visit stays spent and anti-passback applies; when provably nothing was sent (the port is
gone and its reopen is being waited out) the event is "failed" and the visit refunded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

import devices
from devices.errors import RelayStateUnknown
from devices.relay.sim import SimRelay
from kiosk.app import EntranceSettings, Gate, MemberEntrance
from kiosk.domain.model import Policy
from kiosk.entrance import LockerBank
from kiosk.store import Locker, PulseState, Store
from lobby_core.backoff import Backoff
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import FakeClock, member_row, members_csv_bytes
from tests.fixtures.serial_pty import ModbusBoard, SocatPair, modbus_url, poll_until

pytestmark = pytest.mark.integration

ZONE = ZoneInfo("Asia/Shanghai")
GATE = 0
UID = "04C1C2C3"


def _tap(clock: FakeClock) -> devices.Tap:
    return devices.Tap(uid=UID, atr="", reader="test", at=clock())


def _pipeline(store: Store, clock: FakeClock, gate: devices.Relay,
              bank: LockerBank | None = None) -> MemberEntrance:
    with store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row("M5", UID, visits=5)])).members,
                          clock())
        if bank is not None:
            tx.configure_lockers(bank.lockers)
    settings = EntranceSettings("gym", Policy(zone=ZONE))
    return MemberEntrance(store, Gate(store, gate, GATE, 100), settings, bank, clock=clock)


def _state(store: Store, event_uuid: str | None) -> tuple[PulseState, bool, int | None]:
    with store.read() as tx:
        ev = tx.event(event_uuid or "")
        member = tx.member("M5")
    assert ev is not None and member is not None
    return ev.pulse_state, ev.consumed_visit, member.visits_remaining


def test_board_silent_after_the_on_is_unconfirmed_not_refunded(
        kiosk_store: Store, clock: FakeClock, socat_pair: SocatPair, modbus_board: ModbusBoard,
        mocker) -> None:
    gate = devices.open_relay(modbus_url(socat_pair, timeout=0.1))
    try:
        # The board loses power while the turnstile is held open: the off cannot be delivered.
        mocker.patch.object(gate, "_hold", side_effect=lambda _s: modbus_board.stop())
        p = _pipeline(kiosk_store, clock, gate)
        r = p.handle_tap(_tap(clock))
        assert [c.on for c in modbus_board.changes_of(GATE)][-1:] == [True]  # the gate opened
        assert (r.granted, r.pulse, r.see_staff, r.visits_left) == (
            True, PulseState.UNCONFIRMED, True, 4)
        assert _state(kiosk_store, r.event_uuid) == (PulseState.UNCONFIRMED, True, 4)
        assert not p.health().is_ok
        # It counts as an entry: the same card 10 s later is anti-passback, not a second pulse.
        clock.advance(seconds=10)
        r2 = p.handle_tap(_tap(clock))
        assert (r2.granted, r2.reason) == (False, "anti_passback")
    finally:
        gate.close()


def test_nothing_sent_while_the_port_is_gone_is_failed_and_refunded(
        kiosk_store: Store, clock: FakeClock) -> None:
    gate = devices.open_relay("sim://?name=entrance-faults&channels=4")
    assert isinstance(gate, SimRelay)
    try:
        gate._backoff = Backoff(base_s=60, cap_s=60)  # the second tap surely falls in the backoff
        p = _pipeline(kiosk_store, clock, gate)
        gate.unplug()
        # The driver learns of the unplug only by sending the on: it may have gone out.
        first = p.handle_tap(_tap(clock))
        assert (first.pulse, first.visits_left) == (PulseState.UNCONFIRMED, 4)
        # Now the driver waits out the reopen backoff and sends nothing at all.
        clock.advance(minutes=5)
        second = p.handle_tap(_tap(clock))
        assert (second.granted, second.pulse, second.see_staff, second.visits_left) == (
            True, PulseState.FAILED, True, 4)
        assert _state(kiosk_store, second.event_uuid) == (PulseState.FAILED, False, 4)
        assert gate.history() == []  # the board never switched
    finally:
        gate.close()


def test_unconfirmed_entry_keeps_its_locker(kiosk_store: Store, clock: FakeClock) -> None:
    gate = devices.open_relay("sim://?name=entrance-locker-faults&channels=4")
    assert isinstance(gate, SimRelay)
    bank = LockerBank(relay=gate, lockers=(Locker("L1", 2),), pulse_ms=50,
                      grace=timedelta(minutes=60))
    try:
        p = _pipeline(kiosk_store, clock, gate, bank)
        gate.set_silent(True)
        r = p.handle_tap(_tap(clock))
        assert (r.pulse, r.locker, r.detail.get("locker_failed")) == (
            PulseState.UNCONFIRMED, "L1", "true")
        with kiosk_store.read() as tx:
            assert tx.lockers() == {"L1": "M5"}
        gate.set_silent(False)
        poll_until(lambda: gate.health().is_ok, 5, "the relay back")
    finally:
        gate.close()


@pytest.fixture
def sim_gate() -> Iterator[SimRelay]:
    gate = devices.open_relay("sim://?name=entrance-unknown-kind&channels=2")
    assert isinstance(gate, SimRelay)
    yield gate
    gate.close()


def test_state_unknown_keeps_the_original_kind(sim_gate: SimRelay) -> None:
    sim_gate.set_silent(True)
    with pytest.raises(RelayStateUnknown) as caught:
        sim_gate.pulse(0, 10)
    assert isinstance(caught.value, devices.DeviceTimeout)
    sim_gate.set_silent(False)
