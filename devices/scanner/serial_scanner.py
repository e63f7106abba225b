"""Read QR scans from a serial (USB CDC / RS-232) scanner: `serial:///dev/ttyACM0?baudrate=9600`.

Parameters: ``baudrate`` (default 9600), ``max_line`` (bytes, default 512; longer lines are
dropped). Configure the scanner to end each code with CR or CRLF (the factory default of most
serial-mode scanners); see devices.scanner.framer for what counts as a line and as noise.

A supervised thread owns the port: it opens it (exclusively), reads, and when the scanner is
unplugged (reads fail, or the device node vanishes) reports health "scanner unplugged" and
reopens with capped backoff until it is back. start() never fails because the scanner is
missing at boot; health() says why nothing is being read meanwhile.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable

import serial

from devices.errors import DeviceError
from devices.events import Scan
from devices.health import Health
from devices.serial_port import baudrate_from, open_port, port_path
from devices.url import DeviceURL
from lobby_core.backoff import Backoff

from .core import LineScanner, max_line_from

log = logging.getLogger(__name__)

UNPLUGGED = "scanner unplugged"
READ_POLL = 0.1  # seconds a read waits, so stop() is honoured even if cancel_read misses


class SerialScanner(LineScanner):
    def __init__(self, url: str, path: str, baudrate: int, max_line: int) -> None:
        super().__init__(url, max_line)
        self.path = path
        self.baudrate = baudrate
        self.where = f"scanner {path}"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.Serial | None = None
        self._ever_open = False

    # -- Scanner API --------------------------------------------------------------------------
    def start(self, on_scan: Callable[[Scan], None]) -> None:
        self._check_callback(on_scan)
        with self._lock:
            if self._thread is not None:
                raise DeviceError(f"{self.where}: already started")
            self._on_scan = on_scan
            self._stop.clear()
            self._set_health(Health.down("starting"))
            self._spawn()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            port = self._port
        if port is not None:
            try:
                port.cancel_read()
            except Exception:  # the port may be closing under us; the poll timeout still ends the read
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        if thread is not None:
            self._set_health(Health.down("stopped"))

    def health(self) -> Health:
        with self._lock:
            thread = self._thread
            dead = thread is not None and not thread.is_alive() and not self._stop.is_set()
            if dead:
                # The loop catches every Exception; only something like SystemExit raised in a
                # callback can end it. Supervise it here too: start it again.
                log.error("%s: reader thread ended unexpectedly; restarting it", self.where)
                self._spawn()
        if dead:
            self._set_health(Health.down("scanner loop stopped unexpectedly; restarted"))
        return super().health()

    # -- the reader thread --------------------------------------------------------------------
    def _spawn(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name=f"scanner:{self.path}", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        backoff = Backoff(base_s=0.1, cap_s=2.0)
        while not self._stop.is_set():
            try:
                if self._session():
                    backoff.reset()
            except Exception:
                log.exception("%s: reader loop failed; restarting it", self.where)
                self._set_health(Health.down("scanner loop restarting after an error"))
            self._stop.wait(backoff.next_delay())

    def _session(self) -> bool:
        """Open the port and read until it fails or stop(); True if it was opened."""
        try:
            port = open_port(self.path, baudrate=self.baudrate, timeout=READ_POLL, what="scanner")
        except DeviceError as exc:
            gone = getattr(exc.__cause__, "errno", None) == errno.ENOENT and self._ever_open
            self._set_health(Health.down(UNPLUGGED if gone else str(exc)))
            return False
        with self._lock:
            self._port = port
        self._ever_open = True
        self._framer.reset()  # a line cut off by the last unplug is gone for good
        self._set_health(Health.ok(f"reading {self.path}"))
        try:
            while not self._stop.is_set():
                data = port.read(port.in_waiting or 1)
                if data:
                    self._deliver(data)
        except (serial.SerialException, OSError) as exc:
            log.warning("%s: read failed (%s); reopening", self.where, type(exc).__name__)
            self._set_health(Health.down(UNPLUGGED))
        finally:
            with self._lock:
                self._port = None
            try:
                port.close()
            except Exception:  # an unplugged port may fail to close; it is dropped either way
                pass
        return True


def open_device(url: DeviceURL) -> SerialScanner:
    url.check_params({"baudrate", "max_line"})
    path = port_path(url, "serial:///dev/ttyACM0")
    return SerialScanner(url.raw, path, baudrate_from(url), max_line_from(url))
