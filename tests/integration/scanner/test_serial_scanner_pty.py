"""serial:// scanner specifics on a pty pair: missing at boot, port in use, bursts, supervision."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import devices
from devices.scanner.serial_scanner import SerialScanner
from tests.fixtures.scanner import PtyPort, wait_until

pytestmark = pytest.mark.integration


def test_missing_at_boot_then_plugged_in(tmp_path: Path):
    port = PtyPort(tmp_path / "ttyACM0")
    scanner = devices.open_scanner(f"serial://{port.link}")  # nothing there yet: no error
    got: list[str] = []
    scanner.start(lambda s: got.append(s.text))
    try:
        wait_until(lambda: "not found" in str(scanner.health()))
        assert str(scanner.health()) == f"down: scanner {port.link} not found (is it plugged in?)"
        port.plug()
        wait_until(lambda: scanner.health().is_ok)
        port.write(b"V1:LATE\r")
        wait_until(lambda: got == ["V1:LATE"])
    finally:
        scanner.stop()
        port.unplug()


def test_port_held_by_another_scanner_is_reported(pty_port: PtyPort):
    first = devices.open_scanner(f"serial://{pty_port.link}")
    second = devices.open_scanner(f"serial://{pty_port.link}")
    first.start(lambda s: None)
    try:
        wait_until(lambda: first.health().is_ok)
        second.start(lambda s: None)
        try:
            wait_until(lambda: "in use" in str(second.health()))
            assert str(second.health()) == (
                f"down: scanner {pty_port.link} is in use by another program (exclusive lock held)"
            )
        finally:
            second.stop()
    finally:
        first.stop()


def test_a_burst_of_scans_arrives_complete_and_in_order(pty_port: PtyPort):
    scanner = devices.open_scanner(f"serial://{pty_port.link}?baudrate=115200")
    got: list[str] = []
    scanner.start(lambda s: got.append(s.text))
    try:
        wait_until(lambda: scanner.health().is_ok)
        expected = [f"V1:{i:06d}" for i in range(2000)]
        pty_port.write(b"".join(t.encode() + b"\r\n" for t in expected))
        wait_until(lambda: len(got) >= 2000, timeout=20)
        assert got == expected
    finally:
        scanner.stop()


def test_a_dead_reader_thread_is_restarted_by_health(pty_port: PtyPort):
    scanner = devices.open_scanner(f"serial://{pty_port.link}")
    assert isinstance(scanner, SerialScanner)
    got: list[str] = []

    def on_scan(scan: devices.Scan) -> None:
        got.append(scan.text)
        if scan.text == "KILL":
            raise SystemExit  # a BaseException: the only kind that gets past the loop's guard

    previous_hook = threading.excepthook
    threading.excepthook = lambda args: None  # keep the expected thread death out of the output
    try:
        scanner.start(on_scan)
        wait_until(lambda: scanner.health().is_ok)
        pty_port.write(b"KILL\r")
        wait_until(lambda: scanner._worker.thread is not None and not scanner._worker.thread.is_alive())
    finally:
        threading.excepthook = previous_hook
    try:
        assert str(scanner.health()) == "down: scanner loop stopped unexpectedly; restarted"
        wait_until(lambda: scanner.health().is_ok)
        pty_port.write(b"ALIVE\r")
        wait_until(lambda: got == ["KILL", "ALIVE"])
    finally:
        scanner.stop()
