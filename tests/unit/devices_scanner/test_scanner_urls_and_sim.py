"""Scanner URLs, the `none` scanner and the sim's faults (in-process, no IO)."""

from __future__ import annotations

import pytest

import devices
from devices import simhub
from devices.scanner.serial_scanner import SerialScanner
from devices.scanner.sim import SimScanner
from tests.fixtures.scanner import wait_until


def test_serial_url():
    s = devices.open_scanner("serial:///dev/ttyACM0?baudrate=115200&max_line=1024")
    assert isinstance(s, SerialScanner)
    assert (s.path, s.baudrate, s._framer.max_line) == ("/dev/ttyACM0", 115200, 1024)
    assert str(s.health()) == "down: not started"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("serial://", "no serial port"),
        ("serial:///dev/tty\x00S0", "NUL byte"),
        ("serial://dev/ttyACM0", "three slashes"),
        ("serial:///dev/ttyACM0?max_line=8", "outside 16..65536"),
        ("serial:///dev/ttyACM0?max_line=lots", "not an integer"),
        ("serial:///dev/ttyACM0?baudrate=9601", "not a standard rate"),
        ("serial:///dev/ttyACM0?parity=E", "unknown parameter"),
        ("sim://?fail=timeout", "not a scanner fault"),
        ("sim://?fail=unplug_after:-2", "not a scanner fault"),
        ("sim://?name=", "name must not be empty"),
        ("sim://?control=relative.sock", "must be absolute"),
        ("sim://?volume=11", "unknown parameter"),
        ("usb-hid://", "unknown scanner scheme"),
    ],
)
def test_bad_scanner_urls(url: str, message: str):
    with pytest.raises(devices.DeviceConfigError, match=message):
        devices.open_scanner(url)


def test_none_scanner():
    s = devices.open_scanner("none")
    s.start(lambda scan: None)
    assert str(s.health()) == "down: not configured"
    s.stop()
    s.close()


def test_sim_registers_while_started():
    s = devices.open_scanner("sim://?name=hub")
    assert isinstance(s, SimScanner)
    got: list[str] = []
    s.start(lambda scan: got.append(scan.text))
    try:
        assert simhub.get("scanner", "hub") is s
        assert s.scan("V1:HUB")
        wait_until(lambda: got == ["V1:HUB"])
        with pytest.raises(devices.DeviceConfigError, match="already running"):
            devices.open_scanner("sim://?name=hub").start(lambda scan: None)
    finally:
        s.stop()
    with pytest.raises(LookupError):
        simhub.get("scanner", "hub")
    assert not s.scan("V1:AFTER-STOP")


def test_sim_absent():
    s = devices.open_scanner("sim://?name=nobody&fail=absent")
    s.start(lambda scan: None)
    try:
        assert str(s.health()) == "down: scanner not found: sim scanner 'nobody' (simulated absent)"
        assert not s.scan("V1:X")  # type: ignore[attr-defined]
    finally:
        s.stop()


def test_sim_unplug_after_n_scans():
    s = devices.open_scanner("sim://?name=flaky&fail=unplug_after:2")
    assert isinstance(s, SimScanner)
    got: list[str] = []
    s.start(lambda scan: got.append(scan.text))
    try:
        assert s.scan("A") and s.scan("B")
        assert str(s.health()) == "down: scanner unplugged"
        assert not s.scan("C")
        s.replug()
        assert s.health().is_ok and s.scan("D")
        wait_until(lambda: got == ["A", "B", "D"])
    finally:
        s.stop()


def test_sim_unplug_after_zero_starts_unplugged():
    s = devices.open_scanner("sim://?name=z&fail=unplug_after:0")
    s.start(lambda scan: None)
    try:
        assert str(s.health()) == "down: scanner unplugged"
    finally:
        s.stop()


def test_sim_rejects_wrong_types():
    s = devices.open_scanner("sim://?name=types")
    assert isinstance(s, SimScanner)
    with pytest.raises(TypeError):
        s.scan(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.feed("text")  # type: ignore[arg-type]


def test_sim_lone_surrogate_is_noise_not_a_crash():
    s = devices.open_scanner("sim://?name=sur")
    assert isinstance(s, SimScanner)
    got: list[str] = []
    s.start(lambda scan: got.append(scan.text))
    try:
        assert s.scan("bad\ud800")
        assert s.scan("good")
        wait_until(lambda: got == ["good"])
    finally:
        s.stop()
