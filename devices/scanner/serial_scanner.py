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

import logging

import serial

from devices.errors import DeviceUnplugged
from devices.events import Scan
from devices.health import Health
from devices.serial_port import baudrate_from, open_port, port_path
from devices.serial_worker import SerialWorker, SupervisedSerialDevice
from devices.url import DeviceURL

from .core import LineScanner, max_line_from

log = logging.getLogger(__name__)

UNPLUGGED = "scanner unplugged"
READ_POLL = 0.1  # seconds a read waits, so stop() is honoured even if cancel_read misses


class SerialScanner(SupervisedSerialDevice[Scan], LineScanner):
    def __init__(self, url: str, path: str, baudrate: int, max_line: int) -> None:
        super().__init__(url, max_line)
        self.path = path
        self.baudrate = baudrate
        self.where = f"scanner {path}"
        self._worker = SerialWorker(
            where=self.where, noun="scanner", thread_name=f"scanner:{path}", unplugged=UNPLUGGED,
            open_port=self._open, talk=self._read, set_health=self._set_health, log=log,
        )

    # -- on the worker's thread ---------------------------------------------------------------
    def _open(self) -> serial.Serial:
        return open_port(self.path, baudrate=self.baudrate, timeout=READ_POLL, what="scanner")

    def _read(self, port: serial.Serial) -> None:
        """Read until stop(); DeviceUnplugged when the port fails."""
        self._framer.reset()  # a line cut off by the last unplug is gone for good
        self._set_health(Health.ok(f"reading {self.path}"))
        step = self._worker.watch.step
        try:
            while not self._worker.stopping.is_set():
                step()
                data = port.read(port.in_waiting or 1)
                if data:
                    self._deliver(data)
        except (serial.SerialException, OSError) as exc:
            # A scanner only sends: whatever broke the read, the port is gone for us. Reopen it.
            raise DeviceUnplugged(f"{self.where}: read failed ({type(exc).__name__})") from exc


def open_device(url: DeviceURL) -> SerialScanner:
    url.check_params({"baudrate", "max_line"})
    path = port_path(url, "serial:///dev/ttyACM0")
    return SerialScanner(url.raw, path, baudrate_from(url), max_line_from(url))
