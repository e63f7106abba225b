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

`hang()` (control line `hang`) wedges the reader's thread, as a driver stuck in a call that
never returns would: taps queue up unread, health still says ok (a hung loop cannot report
itself), and stalled_for() grows, which is what the service watchdog looks at. `resume()`
(control line `resume`) or stop() lets it go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from devices.sim_faults import Fault
from lobby_core.masking import mask_uid

from ..base import CardReader
from ..errors import DeviceError, DeviceNotFound
from ..events import Tap
from ..health import Health
from ..sim_control import plug_command
from ..sim_run import SimDevice, check_no_location, control_param, label_param
from ..url import DeviceURL
from .tap_dispatch import deliver, make_tap
from .uid import normalize_atr, normalize_uid

log = logging.getLogger(__name__)

KIND = "card_reader"
DEFAULT_ATR = "3B8F8001804F0CA000000306030001000000006A"  # MIFARE Classic 1K via ACR122U
DEFAULT_READER = "Simulated reader"
UNPLUGGED = "reader unplugged"
_HANG = object()  # queue marker: the reader's thread wedges here until resume() or stop()


class SimCardReader(SimDevice[Tap], CardReader):
    _kind = KIND
    _noun = "sim card reader"

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
        self._run = None
        self._ever_started = False
        self._plugged = unplug_after != 0
        self._fault_armed = bool(unplug_after)  # the unplug fault fires once
        self._card: str | None = None  # UID of the card on the reader
        self._resumed = threading.Event()

    # -- CardReader -------------------------------------------------------------------

    def start(self, on_tap: Callable[[Tap], None]) -> None:
        with self._lock:
            def handle(item: object) -> None:
                if item is _HANG:
                    self._resumed.wait()
                else:
                    deliver(on_tap, item, log)  # type: ignore[arg-type]  # only Taps besides _HANG

            self._begin(f"{self.url}: card reader is already started", "sim-card-reader",
                        handle)
            self._ever_started = True

    def _ending(self) -> None:
        self._card = None
        self._resumed.set()  # a hung thread must not hold up stop()

    def health(self) -> Health:
        with self._lock:
            if self._run is None:
                return Health.down("stopped" if self._ever_started else "not started")
            if not self._plugged:
                return Health.down(UNPLUGGED)
            return Health.ok(f"watching {self.reader_name}")

    # -- what a test, the demo or a technician does with the simulated reader ----------

    def insert(self, uid: str, atr: str = DEFAULT_ATR) -> bool:
        """Put a card on the reader: one tap, however long it stays. False if not seen."""
        uid, atr = normalize_uid(uid), normalize_atr(atr)
        with self._lock:
            if self._run is None or not self._plugged:
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
            self._run.put(make_tap(uid, atr, self.reader_name))
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

    def hang(self) -> bool:
        """Wedge the reader's thread until resume() or stop(); False if not started."""
        with self._lock:
            if self._run is None:
                return False
            self._resumed.clear()
            self._run.put(_HANG)
            log.warning("card reader loop hung (simulated)")
            return True

    def resume(self) -> None:
        self._resumed.set()

    def handle_command(self, line: str) -> str:
        """One control-socket line -> reply ("ok", "ignored: ...", or "error: ...")."""
        verb, *args = line.split() or [""]
        if verb in ("hang", "resume"):
            if args:
                return f"error: {verb} takes no arguments"
            if verb == "resume":
                self.resume()
                return "ok"
            return "ok" if self.hang() else "ignored: not started"
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
                            "tap, insert, remove, unplug, replug, hang, resume or health")


def open_device(url: DeviceURL) -> SimCardReader:
    url.check_params({"name", "reader", "fail", "control"})
    check_no_location(url)
    name = label_param(url, "name", "default")
    reader = label_param(url, "reader", DEFAULT_READER)
    control = control_param(url)
    fault = Fault.parse(url.get_str("fail"), url.raw, ("absent",), "card reader")
    if fault.kind == "absent":
        raise DeviceNotFound(f"{url.raw}: no card reader connected (simulated)")
    unplug_after = fault.unplug_after
    return SimCardReader(url.raw, name=name, reader=reader, unplug_after=unplug_after,
                         control=control)
