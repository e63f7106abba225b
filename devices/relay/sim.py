"""sim:// relay: a simulated relay board shipped for the demo, tests and technicians.

Like OctoPrint's virtual printer it is chosen by configuration and runs the same code as the
real drivers above the wire (devices.relay.guarded: the lock, the guaranteed off, stuck-on
tracking, reopen with backoff); only the board is simulated. A shared contract test runs against
sim://, modbus-rtu:// and lcus:// so they cannot drift apart.

URL: ``sim://?name=gate&channels=8&fail=...``

- ``name`` (default "default"): registers in devices.simhub under ("relay", name) while open,
  so tests and the demo can watch it: ``simhub.get("relay", "gate").pulses()``.
- ``channels`` (1..64, default 8).
- ``fail=absent``: opening raises DeviceNotFound, like a board that is not plugged in.
- ``fail=timeout``: the board never answers; opening raises DeviceTimeout, like modbus-rtu://
  with a silent board (it switches everything off at open and needs an answer).
- ``fail=unplug_after:N``: the first N operations (pulse/set/read/all_off) work, then the
  board is unplugged (DeviceUnplugged, health down) until replug().
- ``control=/run/lobby-kiosk/relay.sock``: a UNIX datagram socket (devices.sim_control) taking
  the lines ``unplug``, ``replug``, ``silent`` (the board stops answering), ``answer`` (it
  answers again), ``state`` (which channels are on, e.g. ``on: 0`` or ``on: none``) and
  ``health``, so another process (the demo, a technician) can break and mend the board.

The board records every change of a relay as a Transition(channel, on, at) with
``at = time.monotonic()``; pulses() pairs them up; wait_for() waits on a condition with a bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devices.sim_faults import Fault

from .. import simhub
from ..errors import DeviceConfigError, DeviceNotFound, DeviceTimeout, DeviceUnplugged
from ..sim_control import ControlSocket, plug_command
from ..sim_run import control_param
from ..url import DeviceURL
from .guarded import GuardedRelay, channels_from

KIND = "relay"


@dataclass(frozen=True)
class Transition:
    channel: int
    on: bool
    at: float  # time.monotonic() when the simulated board switched


@dataclass(frozen=True)
class Pulse:
    channel: int
    on_at: float
    off_at: float

    @property
    def ms(self) -> float:
        return (self.off_at - self.on_at) * 1000


class SimRelay(GuardedRelay):
    def __init__(self, url: str, name: str, channels: int, *, silent: bool = False,
                 unplug_after: int | None = None, control: str | None = None) -> None:
        super().__init__(url, f"sim:{name}", channels)
        self.name = name
        self._cond = threading.Condition()
        self._board = [False] * channels
        self._history: list[Transition] = []
        self._silent = silent
        self._plugged = True
        self._unplug_after = unplug_after
        self._ops = 0
        self.control_path = control
        self._control: ControlSocket | None = None

    def _describe(self) -> str:
        return f"{self.channels} simulated channel(s) ({self.name})"

    # -- the simulated wire --------------------------------------------------------------------------
    def _board_check(self) -> None:
        if not self._plugged:
            raise DeviceUnplugged(f"simulated relay board {self.name}: port gone (unplugged)")
        if self._silent:
            raise DeviceTimeout(f"simulated relay board {self.name}: no answer (board silent)")

    def _switch(self, channel: int, on: bool) -> None:
        with self._cond:
            if self._board[channel] != on:
                self._board[channel] = on
                self._history.append(Transition(channel, on, time.monotonic()))
                self._cond.notify_all()

    def _connect(self) -> None:
        if not self._plugged:
            raise DeviceNotFound(f"simulated relay board {self.name} not found (unplugged)")
        if self._silent:
            raise DeviceTimeout(f"simulated relay board {self.name}: no answer (board silent)")

    def _disconnect(self) -> None:
        pass

    def _write(self, channel: int, on: bool) -> None:
        self._board_check()
        self._switch(channel, on)

    def _read(self, channel: int) -> bool:
        self._board_check()
        with self._cond:
            return self._board[channel]

    def _write_all_off(self) -> None:
        self._board_check()
        for channel in range(self.channels):
            self._switch(channel, False)

    def _probe(self) -> None:
        self._board_check()

    # -- Relay API: count operations for fail=unplug_after:N -----------------------------------------
    def _count_op(self) -> None:
        with self._lock:
            self._ops += 1
            if self._unplug_after is not None and self._ops > self._unplug_after:
                self._unplug_after = None  # once; replug() brings it back for good
                self.unplug()

    def pulse(self, channel: int, ms: int) -> None:
        self._count_op()
        super().pulse(channel, ms)

    def set(self, channel: int, on: bool) -> None:
        self._count_op()
        super().set(channel, on)

    def read(self, channel: int) -> bool:
        self._count_op()
        return super().read(channel)

    def all_off(self) -> None:
        self._count_op()
        super().all_off()

    def open(self) -> None:
        super().open()
        if self.control_path is not None:
            try:
                self._control = ControlSocket(self.control_path, self.handle_command)
            except BaseException:
                super().close()
                raise
        simhub.register(KIND, self.name, self)

    def close(self) -> None:
        super().close()
        simhub.unregister(KIND, self.name, self)
        if self._control is not None:
            self._control.close()
            self._control = None

    def handle_command(self, line: str) -> str:
        """One control-socket line -> reply ("ok", "on: 0 3", or "error: ...")."""
        verb, _, rest = line.partition(" ")
        if verb in ("silent", "answer", "state") and rest.strip():
            return f"error: {verb} takes no arguments"
        if verb in ("silent", "answer"):
            self.set_silent(verb == "silent")
            return "ok"
        if verb == "state":
            with self._cond:
                on = [str(ch) for ch, is_on in enumerate(self._board) if is_on]
            return f"on: {' '.join(on) or 'none'}"
        return plug_command(self, verb, rest.strip(), "unplug, replug, silent, answer, state or health")

    # -- for tests, the demo and technicians -----------------------------------------------------------
    def unplug(self) -> None:
        """Pull the simulated USB cable: relays drop (no power) and the port vanishes."""
        with self._cond:
            self._plugged = False
            for channel in range(self.channels):
                if self._board[channel]:
                    self._board[channel] = False
                    self._history.append(Transition(channel, False, time.monotonic()))
            self._cond.notify_all()

    def replug(self) -> None:
        with self._cond:
            self._plugged = True
            self._cond.notify_all()

    def set_silent(self, silent: bool) -> None:
        """Make the board stop (or resume) answering, like a board that lost power."""
        with self._cond:
            self._silent = silent

    def board_state(self, channel: int) -> bool:
        """What the simulated board's relay is doing (not what the driver believes)."""
        with self._cond:
            return self._board[channel]

    def history(self) -> list[Transition]:
        with self._cond:
            return list(self._history)

    def pulses(self, channel: int | None = None) -> list[Pulse]:
        """Completed on -> off pairs, oldest first."""
        with self._cond:
            history = list(self._history)
        out: list[Pulse] = []
        on_at: dict[int, float] = {}
        for t in history:
            if t.on:
                on_at[t.channel] = t.at
            elif t.channel in on_at:
                out.append(Pulse(t.channel, on_at.pop(t.channel), t.at))
        return [p for p in out if channel is None or p.channel == channel]

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> bool:
        """Wait until predicate() (evaluated under the board's lock) is truthy; False on timeout."""
        with self._cond:
            return bool(self._cond.wait_for(predicate, timeout))

    def wait_for_pulses(self, count: int, channel: int | None = None,
                        timeout: float = 5.0) -> list[Pulse]:
        """Wait until `count` pulses have completed; the pulses, or DeviceTimeout."""
        if not self.wait_for(lambda: len(self.pulses(channel)) >= count, timeout):
            raise DeviceTimeout(
                f"simulated relay {self.name}: {count} pulse(s) not seen within {timeout} s"
            )
        return self.pulses(channel)

    def clear_history(self) -> None:
        with self._cond:
            self._history.clear()


def open_device(url: DeviceURL) -> SimRelay:
    url.check_params({"name", "channels", "fail", "control"})
    if url.host or url.path not in ("", "/"):
        raise DeviceConfigError(f"{url.raw}: a sim relay takes no host or path; use sim://?name=gate")
    name = url.get_str("name", "default") or ""
    if not name or not name.isprintable() or len(name) > 64:
        raise DeviceConfigError(f"{url.raw}: name must be 1..64 printable characters")
    fault = Fault.parse(url.get_str("fail"), url.raw, ("absent", "timeout"), "relay")
    absent, silent, unplug_after = fault.kind == "absent", fault.kind == "timeout", fault.unplug_after
    if absent:
        raise DeviceNotFound(f"{url.raw}: simulated relay board not found (fail=absent)")
    relay = SimRelay(url.raw, name, channels_from(url, 8, 64), silent=silent,
                     unplug_after=unplug_after, control=control_param(url))
    relay.open()
    return relay
