"""Relay URLs: every bad parameter is refused with a message naming it, before any port is opened."""

from __future__ import annotations

import pytest

import devices


@pytest.mark.parametrize(("url", "needle"), [
    ("modbus-rtu://", "no serial port"),
    ("modbus-rtu://dev/ttyUSB0", "three slashes"),
    ("modbus-rtu:///dev/ttyUSB0?unit=0", "unit=0"),
    ("modbus-rtu:///dev/ttyUSB0?unit=248", "unit=248"),
    ("modbus-rtu:///dev/ttyUSB0?unit=one", "unit='one'"),
    ("modbus-rtu:///dev/ttyUSB0?baudrate=9601", "baudrate=9601"),
    ("modbus-rtu:///dev/ttyUSB0?channels=0", "channels=0"),
    ("modbus-rtu:///dev/ttyUSB0?channels=257", "channels=257"),
    ("modbus-rtu:///dev/ttyUSB0?timeout=0", "timeout"),
    ("modbus-rtu:///dev/ttyUSB0?timeout=11", "timeout=11"),
    ("modbus-rtu:///dev/ttyUSB0?flash=maybe", "flash"),
    ("modbus-rtu:///dev/ttyUSB0?slave=1", "unknown parameter(s) slave"),
    ("lcus:///dev/ttyUSB0?channels=9", "channels=9"),
    ("lcus:///dev/ttyUSB0?unit=1", "unknown parameter(s) unit"),
    ("lcus:///dev/ttyUSB0?baudrate=0", "baudrate=0"),
    ("lcus://", "no serial port"),
    ("sim://?fail=sometimes", "fail='sometimes'"),
    ("sim://?fail=unplug_after:x", "unplug_after:N"),
    ("sim://?fail=unplug_after:-1", "unplug_after:N"),
    ("sim://?channels=65", "channels=65"),
    ("sim://?name=", "name"),
    ("sim://?name=a%0Ab", "name"),
    ("sim://host", "no host"),
    ("sim://?port=1", "unknown parameter(s) port"),
])
def test_bad_relay_urls_are_config_errors(url: str, needle: str) -> None:
    with pytest.raises(devices.DeviceConfigError) as err:
        devices.open_relay(url)
    assert needle in str(err.value)


def test_sim_absent_is_not_found() -> None:
    with pytest.raises(devices.DeviceNotFound, match="fail=absent"):
        devices.open_relay("sim://?fail=absent")


def test_sim_silent_board_fails_to_open_like_a_silent_modbus_board() -> None:
    with pytest.raises(devices.DeviceTimeout, match="no answer"):
        devices.open_relay("sim://?fail=timeout")
