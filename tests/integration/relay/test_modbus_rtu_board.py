"""modbus-rtu:// against pymodbus's real RTU server on a socat pty pair: bytes, faults, recovery."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pymodbus.client import ModbusSerialClient

import devices
from tests.fixtures.serial_pty import ModbusBoard, SocatPair, modbus_url, poll_until, rtu

pytestmark = pytest.mark.integration

# Waveshare's own examples (unit 1, relay 0), checked against the board's manual.
ON_0 = bytes.fromhex("01 05 00 00 FF 00 8C 3A")
OFF_0 = bytes.fromhex("01 05 00 00 00 00 CD CA")
FLASH_0_700MS = bytes.fromhex("01 05 02 00 00 07 8D B0")
READ_COIL_0 = rtu("01 01 0000 0001")
ALL_OFF_8 = rtu("01 0F 0000 0008 01 00")
READ_COILS_8 = rtu("01 01 0000 0008")


def test_switching_sends_write_coil_then_reads_it_back(socat_pair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair))
    modbus_board.clear()
    relay.set(0, True)
    relay.set(0, False)
    assert modbus_board.received_bytes() == ON_0 + READ_COIL_0 + OFF_0 + READ_COIL_0
    relay.close()


def test_flash_pulse_is_one_board_timed_command(socat_pair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair, flash=1))
    modbus_board.clear()
    relay.pulse(0, 700)
    assert modbus_board.received_bytes() == FLASH_0_700MS
    changes = modbus_board.wait_for(lambda: len(modbus_board.changes_of(0)) >= 2, 3, "on then off")
    on, off = modbus_board.changes_of(0)[:2]
    assert (on.on, off.on) == (True, False), changes
    assert 0.6 <= off.at - on.at <= 0.8
    relay.close()


@pytest.mark.parametrize(("ms", "units"), [(1, 1), (149, 1), (150, 2), (340, 3), (400, 4)])
def test_flash_length_is_rounded_to_the_boards_100ms_units(socat_pair, modbus_board,
                                                           ms: int, units: int) -> None:
    relay = devices.open_relay(modbus_url(socat_pair, flash=1))
    modbus_board.clear()
    relay.pulse(3, ms)
    assert modbus_board.received_bytes() == rtu(f"01 05 0203 {units:04x}")
    relay.close()


def test_open_switches_off_a_relay_left_on_by_a_previous_run(socat_pair, modbus_board) -> None:
    previous = ModbusSerialClient(str(socat_pair.kiosk_end), baudrate=9600, timeout=1)
    assert previous.connect()
    assert not previous.write_coil(2, True, device_id=1).isError()
    previous.close()
    assert modbus_board.state[2] is True
    modbus_board.clear()

    relay = devices.open_relay(modbus_url(socat_pair))
    assert modbus_board.state == [False] * 8
    assert modbus_board.received_bytes() == ALL_OFF_8 + READ_COILS_8
    relay.close()


def test_close_switches_everything_off(socat_pair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair))
    relay.set(5, True)
    modbus_board.clear()
    relay.close()
    assert modbus_board.state == [False] * 8
    assert modbus_board.received_bytes() == ALL_OFF_8 + READ_COILS_8


def test_a_silent_board_is_a_timeout_and_health_says_so(socat_pair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair, timeout=0.2))
    modbus_board.stop()
    with pytest.raises(devices.DeviceTimeout, match="no answer from unit 1"):
        relay.set(0, True)
    health = relay.health()
    assert health.state is devices.State.DOWN
    assert "no answer" in health.reason

    board = ModbusBoard(socat_pair.board_end)
    board.start()
    try:
        relay.set(0, True)
        assert board.state[0] is True
        assert relay.health().is_ok
        relay.close()
    finally:
        board.stop()


def test_opening_a_silent_or_wrong_unit_board_fails_clearly(socat_pair, modbus_board) -> None:
    with pytest.raises(devices.DeviceTimeout, match="unit 7"):
        devices.open_relay(modbus_url(socat_pair, unit=7, timeout=0.1))


def test_a_missing_port_is_not_found(tmp_path) -> None:
    with pytest.raises(devices.DeviceNotFound, match="not found"):
        devices.open_relay(f"modbus-rtu://{tmp_path}/ttyUSB9")


def test_a_port_held_by_another_program_is_refused(socat_pair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair))
    with pytest.raises(devices.DeviceNotFound, match="in use"):
        devices.open_relay(modbus_url(socat_pair))
    relay.set(1, True)  # the first one is unaffected
    assert modbus_board.state[1] is True
    relay.close()


def test_unplug_and_replug_reopens_and_works_again(socat_pair: SocatPair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair))
    relay.set(0, True)
    modbus_board.stop()
    socat_pair.stop()  # the USB adapter is gone: the device node vanishes

    with pytest.raises(devices.DeviceUnplugged):
        relay.set(0, False)
    health = relay.health()
    assert health.state is devices.State.DOWN and health.reason

    socat_pair.start()
    board = ModbusBoard(socat_pair.board_end)
    board.start()
    try:
        def works() -> bool:
            try:
                relay.set(4, True)
            except devices.DeviceUnplugged:
                return False
            return True

        poll_until(works, 15, "the relay to work again after replug", interval=0.05)
        assert board.state[4] is True
        # The reopen switched everything off first.
        assert board.received_bytes().startswith(ALL_OFF_8)
        assert relay.health().is_ok
        relay.close()
    finally:
        board.stop()


def test_a_port_that_came_back_unnoticed_works_on_the_next_command(socat_pair: SocatPair,
                                                                   modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair))
    modbus_board.stop()
    socat_pair.stop()
    socat_pair.start()  # unplugged and back between two commands: our descriptor is stale
    board = ModbusBoard(socat_pair.board_end)
    board.start()
    try:
        relay.set(3, True)
        assert board.state[3] is True
        relay.close()
    finally:
        board.stop()


def test_an_off_that_fails_leaves_health_down_until_an_off_gets_through(
        socat_pair, modbus_board, mocker) -> None:
    relay = devices.open_relay(modbus_url(socat_pair, timeout=0.1))
    # The board loses power while the relay is held on: the off cannot be delivered.
    mocker.patch.object(relay, "_hold", side_effect=lambda _s: modbus_board.stop())
    with pytest.raises(devices.DeviceTimeout, match="stuck on"):
        relay.pulse(6, 200)
    health = relay.health()
    assert health.state is devices.State.DOWN
    assert "stuck on" in health.reason and "channel 6" in health.reason

    board = ModbusBoard(socat_pair.board_end)
    board.start()
    try:
        # Nobody calls the relay: its own retry loop gets the off through.
        board.wait_for(lambda: any(not c.on and c.channel == 6 for c in board.changes), 10,
                       "the retried off")
        poll_until(lambda: relay.health().is_ok, 5, "health back to ok")
        relay.close()
    finally:
        board.stop()


def test_a_read_back_that_disagrees_is_a_protocol_error(socat_pair, modbus_board) -> None:
    relay = devices.open_relay(modbus_url(socat_pair))
    all_off_reply = rtu("01 01 01 00")
    modbus_board.mangle = lambda reply: all_off_reply if reply[1] == 0x01 else reply
    with pytest.raises(devices.DeviceProtocolError, match="relay 0 reads off"):
        relay.set(0, True)
    assert relay.health().state is devices.State.DEGRADED
    modbus_board.mangle = None
    relay.close()


def test_an_exception_reply_is_a_protocol_error(socat_pair) -> None:
    board = ModbusBoard(socat_pair.board_end, channels=4)  # a 4-relay board set up as 8
    board.start()
    try:
        relay = devices.open_relay(modbus_url(socat_pair, flash=1))
        with pytest.raises(devices.DeviceProtocolError, match="exception code 2"):
            relay.pulse(6, 100)
        relay.close()
    finally:
        board.stop()


@pytest.fixture
def quick_relay(socat_pair, modbus_board):
    """One relay shared by all hypothesis examples of a test (fixtures are not re-run per example)."""
    relay = devices.open_relay(modbus_url(socat_pair, timeout=0.08))
    yield relay
    relay.close()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(min_size=1, max_size=40))
def test_garbage_replies_are_protocol_errors_and_do_not_wedge_the_driver(
        quick_relay, modbus_board, garbage: bytes) -> None:
    assume(ON_0 not in garbage)
    modbus_board.mangle = lambda _reply: garbage
    try:
        with pytest.raises(devices.DeviceProtocolError, match="not a valid reply|echoed|undecodable"):
            quick_relay.set(0, True)
    finally:
        modbus_board.mangle = None
    # Honest replies again: the driver is not wedged (a retry is allowed, since a loaded
    # machine can miss the short timeout used to keep this test quick).
    poll_until(lambda: _switch_off(quick_relay), 3, "an honest exchange", interval=0.01)
    assert modbus_board.state[0] is False


def _switch_off(relay: devices.Relay) -> bool:
    try:
        relay.set(0, False)
    except devices.DeviceTimeout:
        return False
    return True
