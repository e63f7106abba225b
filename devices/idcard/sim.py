"""sim:// ID card reader: a simulated SAM reader shipped for the demo, tests and technicians.

It behaves like idcard-serial:// from the application's side: one IdCard per presentation,
delivered on the reader's own thread through the same delivery code, with the same health
states. A simulated card goes through the real text-block parser, so a number or a date the
serial driver would refuse is refused here too.

URL parameters:
- `name=desk`: on start() the reader registers in devices.simhub under ("id_reader", "desk")
  (default "default"); then `simhub.get("id_reader", "desk").present("110101...", "张三")`.
- `control=/run/lobby-kiosk/idcard.sock`: a UNIX datagram socket accepting the lines
  `card number=N name=NAME [type=T] [birth=YYYY-MM-DD] [until=YYYY-MM-DD|long-term]` (present
  a card and take it away; quote a name with spaces: name="John SMITH"), `insert ...` (the
  same, but the card stays until `remove`), `remove`, `unplug`, `replug`, `health`.
- `fail=absent`: no reader is there (health down "ID reader not found", cards ignored).
- `fail=timeout`: the reader is there but its SAM module never answers (health down "ID card
  module not answering", cards ignored); set_silent(False) brings it back.
- `fail=unplug_after:N`: after N reads the reader is unplugged (health down "ID reader
  unplugged", cards ignored) until replug(); `unplug_after:0` starts unplugged.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

from devices.errors import DeviceError
from devices.events import IdCard, IdType
from devices.health import Health
from devices.sim_control import plug_command
from devices.sim_faults import Fault
from devices.sim_run import SimDevice, check_no_location, control_param, label_param
from devices.url import DeviceURL

from .core import SILENT, UNPLUGGED, BaseIdReader
from .textblock import build_text, parse_text

log = logging.getLogger(__name__)

KIND = "id_reader"
LONG_TERM_WORDS = ("long-term", "长期")
_CARD_KEYS = {"number", "name", "type", "birth", "until"}


class SimIdReader(SimDevice[IdCard], BaseIdReader):
    _kind = KIND
    _noun = "sim ID reader"

    def __init__(
        self,
        url: str = "sim://",
        *,
        name: str = "default",
        absent: bool = False,
        silent: bool = False,
        unplug_after: int | None = None,
        control: str | None = None,
    ) -> None:
        super().__init__(url)
        self.name = name
        self.where = f"sim ID reader {name!r}"
        self.absent = absent
        self.control_path = control
        self.reads = 0
        self._silent = silent
        self._unplug_after = unplug_after
        self._plugged = unplug_after != 0
        self._card_on = False
        self._lock = threading.Lock()
        self._ever_started = False
        self._run = None

    # -- IdReader API ---------------------------------------------------------------------------
    def start(self, on_card: Callable[[IdCard], None]) -> None:
        self._check_callback(on_card)
        with self._lock:
            self._begin(f"{self.where}: already started", f"sim-id-reader:{self.name}", self._handle)
            self._callback = on_card
            self._ever_started = True
            self._card_on = False
            self._set_health(self._state())

    def _ended(self) -> None:
        self._set_health(Health.down("stopped"))

    def _state(self) -> Health:
        if self._run is None:
            return Health.down("stopped" if self._ever_started else "not started")
        if self.absent:
            return Health.down(f"ID reader not found: {self.where} (simulated absent)")
        if not self._plugged:
            return Health.down(UNPLUGGED)
        if self._silent:
            return Health.down(SILENT)
        return Health.ok(f"watching {self.where}")

    # -- what a test, the demo or a technician does with the simulated reader -------------------
    def insert(self, number: str, name: str, *, id_type: IdType | str = IdType.RESIDENT,
               birth: date | None = None, valid_until: date | None = None) -> bool:
        """Put a card on the reader: one read, however long it stays. False if not read."""
        card = make_card(number, name, id_type=id_type, birth=birth, valid_until=valid_until)
        with self._lock:
            if self._run is None or self.absent or not self._plugged or self._silent:
                return False
            if self._card_on:
                raise DeviceError("a card is already on the reader; remove it first")
            self._card_on = True
            self.reads += 1
            self._run.put(card)
            if self._unplug_after and self.reads >= self._unplug_after:
                self._unplug_after = None  # fires once
                self._plugged = False
                self._card_on = False
                self._set_health(self._state())
            return True

    def remove(self) -> None:
        """Take the card off the reader (nothing happens if there is none)."""
        with self._lock:
            self._card_on = False

    def present(self, number: str, name: str, *, id_type: IdType | str = IdType.RESIDENT,
                birth: date | None = None, valid_until: date | None = None) -> bool:
        """A card laid on the reader and taken away: insert() then remove()."""
        try:
            return self.insert(number, name, id_type=id_type, birth=birth, valid_until=valid_until)
        finally:
            self.remove()

    def unplug(self) -> None:
        with self._lock:
            self._plugged = False
            self._card_on = False
            self._set_health(self._state())

    def replug(self) -> None:
        with self._lock:
            self._plugged = True
            self._set_health(self._state())

    def set_silent(self, silent: bool) -> None:
        """The SAM module stops (True) or resumes (False) answering."""
        with self._lock:
            self._silent = silent
            self._card_on = False
            self._set_health(self._state())

    def handle_command(self, line: str) -> str:
        """One control-socket line -> reply ("ok", "ignored: ...", or "error: ...")."""
        verb, _, rest = line.partition(" ")
        if verb in ("card", "insert"):
            try:
                fields = _card_fields(rest)
                act = self.present if verb == "card" else self.insert
                seen = act(**fields)
            except (DeviceError, ValueError) as exc:
                return f"error: {exc}"
            return "ok" if seen else f"ignored: {self.health().reason}"
        if verb == "remove":
            if rest.strip():
                return "error: remove takes no arguments"
            self.remove()
            return "ok"
        return plug_command(self, verb, rest.strip(), "card, insert, remove, unplug, replug or health")

    def _handle(self, card: IdCard) -> None:
        self._deliver(dataclasses.replace(card, read_at=datetime.now(UTC)))


def make_card(number: str, name: str, *, id_type: IdType | str = IdType.RESIDENT,
              birth: date | None = None, valid_until: date | None = None) -> IdCard:
    """A card as the serial driver would report it; DeviceError for what a real card cannot hold.

    birth defaults to the date inside an 18-character number (characters 7-14, as on every
    18-character type); valid_until None is long-term.
    """
    try:
        kind = IdType(id_type)
    except ValueError:
        raise DeviceError(f"unknown ID type; use one of {', '.join(t.value for t in IdType)}") from None
    number = number.strip().upper()
    if birth is None:
        try:
            if len(number) != 18:
                raise ValueError

            birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise DeviceError("give birth=YYYY-MM-DD: the number holds no birth date") from None
    try:
        block = build_text(kind, number, name.strip(), birth, valid_until)
    except ValueError as exc:
        raise DeviceError(str(exc)) from None
    return parse_text(block)


def _card_fields(text: str) -> dict[str, object]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot split the line ({exc})") from None
    pairs: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in _CARD_KEYS or key in pairs:
            raise ValueError(f"usage: card number=N name=NAME [type=T] [birth=YYYY-MM-DD] "
                             f"[until=YYYY-MM-DD|long-term] (bad or repeated {key!r})")
        pairs[key] = value
    if "number" not in pairs or "name" not in pairs:
        raise ValueError("card needs number= and name=")
    fields: dict[str, object] = {"number": pairs["number"], "name": pairs["name"]}
    if "type" in pairs:
        fields["id_type"] = pairs["type"]
    if "birth" in pairs:
        fields["birth"] = _iso_date(pairs["birth"], "birth")
    until = pairs.get("until", "long-term")
    fields["valid_until"] = None if until in LONG_TERM_WORDS else _iso_date(until, "until")
    return fields


def _iso_date(text: str, key: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key}= is not a date YYYY-MM-DD") from None


def open_device(url: DeviceURL) -> SimIdReader:
    url.check_params({"name", "fail", "control"})
    check_no_location(url)
    name = label_param(url, "name", "default")
    fault = Fault.parse(url.get_str("fail"), url.raw, ("absent", "timeout"), "sim ID reader")
    control = control_param(url)
    return SimIdReader(
        url.raw,
        name=name,
        absent=fault.kind == "absent",
        silent=fault.kind == "timeout",
        unplug_after=fault.unplug_after,
        control=control,
    )
