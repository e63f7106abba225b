"""sim:// QR scanner: a simulated scanner shipped for the demo, tests and technicians.

It behaves like serial:// from the application's side: bytes go through the same line framer
(CR/LF/CRLF, noise and over-long lines dropped) and scans arrive on the scanner's own thread
through the same delivery code, with the same health states.

URL parameters:
- `name=gate`: on start() the scanner registers in devices.simhub under ("scanner", "gate")
  (default "default"); then `simhub.get("scanner", "gate").scan("V1:...")`.
- `control=/run/lobby-kiosk/scanner.sock`: a UNIX datagram socket accepting the lines
  `scan TEXT`, `unplug`, `replug`, `health`, so another process (the demo) can scan
  (client: devices.sim_control.send_command, or `socat - UNIX-SENDTO:PATH`).
- `max_line=512`: as for serial://.
- `fail=absent`: no scanner is there (health down "scanner not found", scans are ignored),
  as serial:// reports a missing port.
- `fail=unplug_after:N`: after N scans the scanner is unplugged (health down "scanner
  unplugged", scans ignored) until replug(); `unplug_after:0` starts unplugged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from devices.errors import DeviceConfigError
from devices.events import Scan
from devices.health import Health
from devices.sim_control import plug_command
from devices.sim_faults import Fault
from devices.sim_run import SimDevice, control_param
from devices.url import DeviceURL

from .core import LineScanner, max_line_from
from .serial_scanner import UNPLUGGED

log = logging.getLogger(__name__)

KIND = "scanner"
_RESET = object()  # queue marker: the scanner was unplugged, drop any partial line


class SimScanner(SimDevice[object], LineScanner):
    _kind = KIND
    _noun = "sim scanner"

    def __init__(
        self,
        url: str = "sim://",
        *,
        name: str = "default",
        max_line: int = 512,
        absent: bool = False,
        unplug_after: int | None = None,
        control: str | None = None,
    ) -> None:
        super().__init__(url, max_line)
        self.name = name
        self.where = f"sim scanner {name!r}"
        self.absent = absent
        self.control_path = control
        self.scans_sent = 0
        self._unplug_after = unplug_after
        self._plugged = unplug_after != 0
        self._lock = threading.Lock()
        self._run = None

    # -- Scanner API --------------------------------------------------------------------------
    def start(self, on_scan: Callable[[Scan], None]) -> None:
        self._check_callback(on_scan)
        with self._lock:
            self._begin(f"{self.where}: already started", f"sim-scanner:{self.name}", self._handle)
            self._callback = on_scan
            self._set_health(self._state())

    def _ended(self) -> None:
        self._set_health(Health.down("stopped"))

    def _state(self) -> Health:
        if self.absent:
            return Health.down(f"scanner not found: {self.where} (simulated absent)")
        if not self._plugged:
            return Health.down(UNPLUGGED)
        return Health.ok(f"reading {self.where}")

    # -- what a test, the demo or a technician does with the simulated scanner --------------
    def feed(self, data: bytes) -> bool:
        """Raw bytes as the scanner would send them; False if nobody is reading."""
        if not isinstance(data, bytes | bytearray):
            raise TypeError(f"feed() takes bytes, not {type(data).__name__}")
        with self._lock:
            if self._run is None or self.absent or not self._plugged:
                return False
            self._run.put(bytes(data))
            return True

    def scan(self, text: str) -> bool:
        """One code scanned: the text and a CR, as a serial scanner sends it."""
        if not isinstance(text, str):
            raise TypeError(f"scan() takes text, not {type(text).__name__}")
        if not self.feed(text.encode("utf-8", errors="surrogatepass") + b"\r"):
            return False
        with self._lock:
            self.scans_sent += 1
            if self._unplug_after and self.scans_sent >= self._unplug_after:
                self._unplug_after = None  # fires once
                self._unplug_locked()
        return True

    def unplug(self) -> None:
        with self._lock:
            self._unplug_locked()

    def _unplug_locked(self) -> None:
        self._plugged = False
        if self._run is not None:
            self._run.put(_RESET)
            self._set_health(self._state())

    def replug(self) -> None:
        with self._lock:
            self._plugged = True
            if self._run is not None:
                self._set_health(self._state())

    def handle_command(self, line: str) -> str:
        """One control-socket line -> reply ("ok", "ignored: ...", or "error: ...")."""
        verb, _, rest = line.partition(" ")
        if verb == "scan":
            if not rest:
                return "error: usage: scan TEXT"
            return "ok" if self.scan(rest) else f"ignored: {self.health().reason}"
        return plug_command(self, verb, rest, "scan, unplug, replug or health")

    def _handle(self, item: object) -> None:
        if item is _RESET:
            self._framer.reset()
        elif isinstance(item, bytes):
            self._deliver(item)


def open_device(url: DeviceURL) -> SimScanner:
    url.check_params({"name", "fail", "control", "max_line"})
    name = url.get_str("name", "default") or ""
    if not name.strip():
        raise DeviceConfigError(f"{url.raw}: parameter name must not be empty")
    fault = Fault.parse(url.get_str("fail"), url.raw, ("absent",), "scanner")
    absent, unplug_after = fault.kind == "absent", fault.unplug_after
    return SimScanner(
        url.raw,
        name=name,
        max_line=max_line_from(url),
        absent=absent,
        unplug_after=unplug_after,
        control=control_param(url),
    )
