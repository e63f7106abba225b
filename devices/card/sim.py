"""sim:// card reader: a simulated reader shipped for the demo, tests and technicians.

Like OctoPrint's virtual printer, it is chosen by configuration and behaves like the real
pcsc:// driver from the application's side: one Tap per card presentation, delivered on
the reader's own thread through the same dispatch path, and the same health states.

URL parameters:
- `name=gate`: on start() the reader registers in devices.simhub under
  ("card_reader", "gate") (default name "default"), so code in the same process can call
  `simhub.get("card_reader", "gate").tap("04A1B2C3")`.
- `control=/run/lobby-kiosk/card.sock`: a UNIX datagram socket accepting the lines
  `tap UID [ATR]`, `insert UID [ATR]`, `remove`, `unplug`, `replug`, `health`, so another
  process can drive it (see devices.sim_control.send_command).
- `reader=NAME`: the reader name reported in taps (default "Simulated reader").
- `fail=absent`: opening the reader raises DeviceNotFound, like pcsc:// with no reader.
- `fail=unplug_after:N`: after N taps the reader is unplugged (health down "reader
  unplugged", taps ignored) until replug() (once; it then keeps working);
  `unplug_after:0` starts unplugged.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from devices.sim_faults import Fault
from lobby_core.masking import mask_uid

from .. import simhub
from ..base import CardReader
from ..errors import DeviceConfigError, DeviceError, DeviceNotFound
from ..events import Tap
from ..health import Health
from ..sim_control import ControlSocket, check_path, plug_command
from ..url import DeviceURL
from .tap_dispatch import deliver, make_tap
from .uid import normalize_atr, normalize_uid

log = logging.getLogger(__name__)

KIND = "card_reader"
DEFAULT_ATR = "3B8F8001804F0CA000000306030001000000006A"  # MIFARE Classic 1K via ACR122U
DEFAULT_READER = "Simulated reader"
UNPLUGGED = "reader unplugged"


class SimCardReader(CardReader):
    def __init__(
        self,
        url: str,
        *,
        name: str = "default",
        reader: str = DEFAULT_READER,
        unplug_after: int | None = None,
        control: str | None = None,
    ) -> None:
        self.url = url
        self.name = name
        self.reader_name = reader
        self.unplug_after = unplug_after
        self.control_path = control
        self.taps_delivered = 0
        self._lock = threading.Lock()
        self._started = False
        self._ever_started = False
        self._plugged = unplug_after != 0
        self._fault_armed = bool(unplug_after)  # the unplug fault fires once
        self._card: str | None = None  # UID of the card on the reader
        self._queue: queue.SimpleQueue[Tap | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._control: ControlSocket | None = None

    # -- CardReader -------------------------------------------------------------------

    def start(self, on_tap: Callable[[Tap], None]) -> None:
        with self._lock:
            if self._started:
                raise DeviceError(f"{self.url}: card reader is already started")
            try:
                other = simhub.get(KIND, self.name)
            except LookupError:
                other = None
            if other is not None and other is not self:
                raise DeviceConfigError(
                    f"{self.url}: a sim card reader named {self.name!r} is already running"
                )
            if self.control_path is not None:
                self._control = ControlSocket(self.control_path, self.handle_command)
            # A fresh queue per run: a dispatcher stuck in an old on_tap never sees new taps.
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._dispatch, args=(self._queue, on_tap),
                                            name="sim-card-reader", daemon=True)
            self._thread.start()
            self._started = True
            self._ever_started = True
            simhub.register(KIND, self.name, self)

    def stop(self) -> None:
        with self._lock:
            if not self._started:
                return
            self._started = False
            self._card = None
            simhub.unregister(KIND, self.name, self)
            control, self._control = self._control, None
            thread, self._thread = self._thread, None
            self._queue.put(None)
        if control is not None:
            control.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def health(self) -> Health:
        with self._lock:
            if not self._started:
                return Health.down("stopped" if self._ever_started else "not started")
            if not self._plugged:
                return Health.down(UNPLUGGED)
            return Health.ok(f"watching {self.reader_name}")

    # -- what a test, the demo or a technician does with the simulated reader ----------

    def insert(self, uid: str, atr: str = DEFAULT_ATR) -> bool:
        """Put a card on the reader: one tap, however long it stays. False if not seen."""
        uid, atr = normalize_uid(uid), normalize_atr(atr)
        with self._lock:
            if not self._started or not self._plugged:
                log.debug("sim card %s ignored: reader not watching", mask_uid(uid))
                return False
            if self._card is not None:
                raise DeviceError("a card is already on the reader; remove it first")
            self._card = uid
            self.taps_delivered += 1
            if self._fault_armed and self.taps_delivered >= (self.unplug_after or 0):
                self._fault_armed = False
                self._plugged = False
                self._card = None
                log.warning("card reader down: %s (simulated)", UNPLUGGED)
            self._queue.put(make_tap(uid, atr, self.reader_name))
            return True

    def remove(self) -> None:
        """Take the card off the reader (nothing happens if there is none)."""
        with self._lock:
            self._card = None

    def tap(self, uid: str, atr: str = DEFAULT_ATR) -> bool:
        """Present a card briefly: insert() then remove()."""
        delivered = self.insert(uid, atr)
        self.remove()
        return delivered

    def unplug(self) -> None:
        with self._lock:
            self._plugged = False
            self._card = None

    def replug(self) -> None:
        with self._lock:
            self._plugged = True

    def handle_command(self, line: str) -> str:
        """One control-socket line -> reply ("ok", "ignored: ...", or "error: ...")."""
        verb, *args = line.split() or [""]
        if verb in ("tap", "insert"):
            if not 1 <= len(args) <= 2:
                return f"error: usage: {verb} UID [ATR]"
            try:
                seen = getattr(self, verb)(*args)
            except DeviceError as exc:
                return f"error: {exc}"
            return "ok" if seen else f"ignored: {self.health().reason}"
        if verb == "remove":
            if args:
                return "error: remove takes no arguments"
            self.remove()
            return "ok"
        return plug_command(self, verb, " ".join(args),
                            "tap, insert, remove, unplug, replug or health")

    @staticmethod
    def _dispatch(taps: queue.SimpleQueue[Tap | None], on_tap: Callable[[Tap], None]) -> None:
        while (tap := taps.get()) is not None:
            deliver(on_tap, tap, log)


def _printable(url: DeviceURL, key: str, default: str) -> str:
    value = url.get_str(key, default) or ""
    if not value.strip() or not value.isprintable() or len(value) > 64:
        raise DeviceConfigError(
            f"{url.raw}: parameter {key}= must be printable text of 1..64 characters"
        )
    return value.strip()


def open_device(url: DeviceURL) -> SimCardReader:
    url.check_params({"name", "reader", "fail", "control"})
    if url.host or url.path.strip("/") or url.port is not None:
        raise DeviceConfigError(f"{url.raw}: sim:// takes no host or path, only ?parameters")
    name = _printable(url, "name", "default")
    reader = _printable(url, "reader", DEFAULT_READER)
    control = url.get_str("control")
    if control is not None:
        try:
            check_path(control)
        except DeviceConfigError as exc:
            raise DeviceConfigError(f"{url.raw}: parameter control=: {exc}") from None
    fault = Fault.parse(url.get_str("fail"), url.raw, ("absent",), "card reader")
    if fault.kind == "absent":
        raise DeviceNotFound(f"{url.raw}: no card reader connected (simulated)")
    unplug_after = fault.unplug_after
    return SimCardReader(url.raw, name=name, reader=reader, unplug_after=unplug_after,
                         control=control)
