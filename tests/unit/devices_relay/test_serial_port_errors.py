"""devices.serial_port: pyserial's failures become our error types with a cause a person can act on."""

from __future__ import annotations

import errno

import pytest
import serial

import devices
from devices import serial_port
from devices.serial_port import _open_error, is_unplugged, translate
from devices.url import parse


@pytest.mark.parametrize(("exc", "kind", "needle"), [
    (serial.SerialException(errno.ENOENT, "could not open port /dev/x: [Errno 2] No such file"),
     devices.DeviceNotFound, "not found"),
    (serial.SerialException(errno.EACCES, "could not open port: [Errno 13] Permission denied"),
     devices.DeviceConfigError, "dialout"),
    (serial.SerialException(errno.EAGAIN, "Could not exclusively lock port /dev/x: [Errno 11]"),
     devices.DeviceNotFound, "in use"),
    (serial.SerialException("Could not configure port: (25, 'Inappropriate ioctl')"),
     devices.DeviceConfigError, "not a serial port"),
    (ValueError("Not a valid baudrate: -1"), devices.DeviceConfigError, "bad port settings"),
    (OSError(errno.EIO, "boom"), devices.DeviceNotFound, "cannot be opened"),
])
def test_open_failures_say_why(exc: BaseException, kind: type, needle: str) -> None:
    err = _open_error("/dev/x", exc, "relay board port")
    assert type(err) is kind
    assert needle in str(err) and "/dev/x" in str(err)


@pytest.mark.parametrize(("exc", "kind"), [
    (serial.SerialException("device reports readiness to read but returned no data (...)"),
     devices.DeviceUnplugged),
    (serial.SerialException("read failed: [Errno 5] Input/output error"), devices.DeviceUnplugged),
    (serial.PortNotOpenError(), devices.DeviceUnplugged),
    (OSError(errno.ENXIO, "No such device or address"), devices.DeviceUnplugged),
    (serial.SerialTimeoutException("Write timeout"), devices.DeviceTimeout),
    (serial.SerialException("something odd"), devices.DeviceError),
])
def test_io_failures_are_translated(exc: BaseException, kind: type) -> None:
    err = translate(exc, "port /dev/x")
    assert type(err) is kind
    assert is_unplugged(exc) is (kind is devices.DeviceUnplugged)


def test_our_own_errors_pass_through_translate_unchanged() -> None:
    original = devices.DeviceTimeout("already ours")
    assert translate(original, "x") is original


@pytest.mark.parametrize("url", ["lcus:///dev/ttyUSB0?baudrate=9600", "lcus:///dev/ttyUSB0"])
def test_port_settings_from_good_urls(url: str) -> None:
    parsed = parse(url)
    assert serial_port.port_path(parsed, "lcus:///dev/ttyUSB0") == "/dev/ttyUSB0"
    assert serial_port.baudrate_from(parsed) == 9600


def test_a_nul_byte_in_the_path_is_refused() -> None:
    with pytest.raises(devices.DeviceConfigError, match="NUL"):
        serial_port.port_path(parse("lcus:///dev/tty%00USB0"), "lcus:///dev/ttyUSB0")
