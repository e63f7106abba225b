"""One contract, two scanners: serial:// on a pty pair and the shipped sim:// must agree.

Each test sends the bytes a scanner would put on the wire and watches what the application
gets, so the sim cannot drift from the real driver unnoticed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

import devices
from devices.scanner.sim import SimScanner
from kiosk.app.watchdog import STALL_FLOOR_S
from tests.fixtures.scanner import PtyPort, wait_until

pytestmark = pytest.mark.integration

MAX_LINE = 64


@dataclass
class Harness:
    scanner: devices.Scanner
    send: Callable[[bytes], object]  # bytes on the wire, as the scanner hardware sends them
    unplug: Callable[[], None]
    replug: Callable[[], None]
    drained: Callable[[], object]  # wait until the driver has read everything sent
    scans: list[devices.Scan] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_scan(self, scan: devices.Scan) -> None:
        with self._lock:
            self.scans.append(scan)

    def texts(self) -> list[str]:
        with self._lock:
            return [s.text for s in self.scans]

    def start(self) -> None:
        self.scanner.start(self.on_scan)
        wait_until(lambda: self.scanner.health().is_ok)

    def wait_texts(self, count: int) -> list[str]:
        return wait_until(lambda: (t := self.texts()) and len(t) >= count and t)


@pytest.fixture(params=["serial", "sim"])
def harness(request, tmp_path) -> Iterator[Harness]:
    if request.param == "serial":
        port = PtyPort(tmp_path / "ttyACM0")
        port.plug()
        scanner = devices.open_scanner(f"serial://{port.link}?max_line={MAX_LINE}")
        h = Harness(
            scanner, port.write, port.unplug, port.plug, lambda: wait_until(lambda: port.unread() == 0)
        )
        yield h
        scanner.stop()
        if port.plugged:
            port.unplug()
    else:
        scanner = devices.open_scanner(f"sim://?name=contract&max_line={MAX_LINE}")
        assert isinstance(scanner, SimScanner)
        # The sim's queue keeps order, so an unplug always lands after the bytes before it.
        h = Harness(scanner, scanner.feed, scanner.unplug, scanner.replug, lambda: None)
        yield h
        scanner.stop()


def test_not_started_then_started_then_stopped(harness: Harness):
    assert str(harness.scanner.health()) == "down: not started"
    harness.start()
    with pytest.raises(devices.DeviceError, match="already started"):
        harness.scanner.start(harness.on_scan)
    harness.scanner.stop()
    assert str(harness.scanner.health()) == "down: stopped"
    harness.scanner.stop()  # twice is fine


def test_a_scan_arrives_with_an_aware_utc_time(harness: Harness):
    harness.start()
    before = datetime.now(UTC)
    harness.send(b"V1:7F3A9C\r")
    assert harness.wait_texts(1) == ["V1:7F3A9C"]
    at = harness.scans[0].at
    assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
    assert before <= at <= datetime.now(UTC)


def test_terminators_and_split_reads(harness: Harness):
    harness.start()
    pieces = [b"A1\r\n", b"B2\n", b"C3\r", b"\n", b"D", b"4", b"\r", b"\n\xe8\xae\xbf", "客\r\n".encode()]
    for piece in pieces:
        harness.send(piece)
        harness.drained()  # so the pieces tend to reach the driver as separate reads
    assert harness.wait_texts(5) == ["A1", "B2", "C3", "D4", "访客"]


def test_noise_and_long_lines_are_dropped_without_logging_them(harness: Harness, caplog):
    caplog.set_level(logging.WARNING)
    harness.start()
    secret = b"SECRETPASS"
    harness.send(b"\x00\x1b" + secret + b"\r")
    harness.send(b"\xff\xfe" + secret + b"\r")
    harness.send(secret * 7 + b"\r\n")  # 70 bytes > max_line 64
    harness.send(b"V1:OK\r")
    assert harness.wait_texts(1) == ["V1:OK"]
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 3
    assert any("12-byte line (non-printable characters)" in m for m in dropped)
    assert any("12-byte line (invalid UTF-8)" in m for m in dropped)
    assert any("70-byte line (too long)" in m for m in dropped)
    assert not any("SECRET" in r.getMessage() for r in caplog.records)


def test_a_failing_callback_does_not_stop_the_scanner(harness: Harness, caplog):
    got: list[str] = []

    def flaky(scan: devices.Scan) -> None:
        got.append(scan.text)
        if len(got) == 1:
            raise RuntimeError("application bug")

    harness.scanner.start(flaky)
    wait_until(lambda: harness.scanner.health().is_ok)
    harness.send(b"FIRST\r")
    harness.send(b"SECOND\r")
    wait_until(lambda: got == ["FIRST", "SECOND"])
    assert any("on_scan callback failed" in r.getMessage() for r in caplog.records)
    assert harness.scanner.health().is_ok


def test_unplug_then_replug_recovers(harness: Harness):
    harness.start()
    # One write: once BEFORE is delivered the driver holds the half line that followed it,
    # which the unplug cuts off; it must not glue onto the next scan.
    harness.send(b"BEFORE\rHALF-A-LI")
    assert harness.wait_texts(1) == ["BEFORE"]
    harness.drained()
    harness.unplug()
    wait_until(lambda: str(harness.scanner.health()) == "down: scanner unplugged")
    harness.replug()
    wait_until(lambda: harness.scanner.health().is_ok)
    harness.send(b"AFTER\r")
    assert harness.wait_texts(2) == ["BEFORE", "AFTER"]


def test_bad_callback_is_refused(harness: Harness):
    with pytest.raises(devices.DeviceConfigError, match="on_scan must be callable"):
        harness.scanner.start("not a function")  # type: ignore[arg-type]


def test_a_callback_that_never_returns_is_a_stalled_loop(harness: Harness):
    """What the service watchdog reads: idle reading is not a stall, a stuck on_scan is."""
    entered, release = threading.Event(), threading.Event()

    def stuck(scan: devices.Scan) -> None:
        entered.set()
        release.wait(30)

    assert harness.scanner.stalled_for() == 0.0  # not started
    harness.scanner.start(stuck)
    wait_until(lambda: harness.scanner.health().is_ok)
    assert harness.scanner.stalled_for() < STALL_FLOOR_S
    harness.send(b"V1:HANG\r")
    assert entered.wait(5)
    try:
        wait_until(lambda: harness.scanner.stalled_for() > 0.5, timeout=10)
    finally:
        release.set()
    wait_until(lambda: harness.scanner.stalled_for() < 0.5, timeout=10)
    harness.scanner.stop()
    assert harness.scanner.stalled_for() == 0.0
