"""Relay wire formats: LCUS frames and the Modbus RTU frames the modbus-rtu driver builds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU

from devices.errors import DeviceConfigError
from devices.relay.lcus import frame
from devices.relay.modbus_rtu import COIL_ON, FLASH_ON, CoilWrite, flash_units
from tests.fixtures.serial_pty import modbus_crc


def test_lcus_frames_match_the_manual() -> None:
    assert frame(0, True) == bytes.fromhex("A0 01 01 A2")
    assert frame(0, False) == bytes.fromhex("A0 01 00 A1")
    assert frame(3, True) == bytes.fromhex("A0 04 01 A5")


@given(st.integers(0, 254), st.booleans())
def test_lcus_frames_are_header_relay_op_and_checksum(channel: int, on: bool) -> None:
    raw = frame(channel, on)
    assert raw[0] == 0xA0 and raw[1] == channel + 1 and raw[2] == int(on)
    assert raw[3] == sum(raw[:3]) % 256


def test_lcus_channel_outside_a_byte_is_refused() -> None:
    with pytest.raises(DeviceConfigError):
        frame(255, True)


def _rtu(pdu: CoilWrite, unit: int = 1) -> bytes:
    return FramerRTU(DecodePDU(False)).buildFrame(_with_unit(pdu, unit))


def _with_unit(pdu: CoilWrite, unit: int) -> CoilWrite:
    pdu.dev_id = unit
    return pdu


def test_coil_write_frames_match_waveshares_examples() -> None:
    assert _rtu(CoilWrite(0, COIL_ON)) == bytes.fromhex("01 05 00 00 FF 00 8C 3A")
    assert _rtu(CoilWrite(FLASH_ON << 8 | 0, 7)) == bytes.fromhex("01 05 02 00 00 07 8D B0")


@given(st.integers(1, 247), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_coil_write_round_trips_its_raw_value(unit: int, address: int, value: int) -> None:
    raw = _rtu(CoilWrite(address, value), unit)
    assert raw[:6] == bytes((unit, 5)) + address.to_bytes(2, "big") + value.to_bytes(2, "big")
    assert raw[6:] == modbus_crc(raw[:6])
    echo = CoilWrite()
    echo.decode(raw[2:6])
    assert (echo.address, echo.value) == (address, value)


@pytest.mark.parametrize(("ms", "units"), [
    (1, 1), (49, 1), (50, 1), (149, 1), (150, 2), (400, 4), (60_000, 600),
])
def test_flash_units_round_to_the_nearest_100ms_and_never_to_zero(ms: int, units: int) -> None:
    assert flash_units(ms) == units
