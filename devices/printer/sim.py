"""The simulated printer (`sim://`), shipped for the demo and used by tests.

``sim://?name=lobby&fail=paper_out&out=/tmp/slips&paper=80&text=raster``

It lays slips out with the same code and layout parameters (paper, charset, text) as the real
driver, so ``printed[i].data`` holds the exact ESC/POS bytes a real printer would have received.
It registers in devices.simhub under ("printer", name) so a test or the demo can read what was
printed and switch faults at run time.

Faults (``fail=`` or ``set_fault()``): ``absent`` (DeviceNotFound), ``paper_out`` (PaperOut),
``paper_low`` (prints, health degraded), ``timeout`` (DeviceTimeout), ``unplug_after:N`` (N slips
print, then DeviceUnplugged until ``replug()``). ``out=DIR`` writes each slip's bytes (.bin) and a
plain-text picture (.txt) there, so the demo can show what came out.
``control=/run/lobby-kiosk/printer.sock`` is a UNIX datagram socket (devices.sim_control) taking
the lines ``fault SPEC`` (as ``fail=``; ``fault none`` clears it), ``unplug``, ``replug`` and
``health``, so another process (the demo, a technician) can break and mend the printer.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devices import simhub
from devices.base import Printer
from devices.errors import DeviceConfigError, DeviceNotFound, DeviceTimeout, DeviceUnplugged, PaperOut
from devices.events import Slip
from devices.health import Health
from devices.sim_control import ControlSocket, plug_command
from devices.sim_faults import Fault
from devices.sim_run import control_param
from devices.url import DeviceURL

from .layout import LAYOUT_PARAMS, LayoutOptions, render, render_text

log = logging.getLogger(__name__)

SIMPLE_FAULTS = ("absent", "paper_out", "paper_low", "timeout")


@dataclass(frozen=True, slots=True)
class PrintedSlip:
    slip: Slip
    data: bytes  # the exact ESC/POS bytes
    text: str  # plain-text picture of the slip
    at: datetime


class SimPrinter(Printer):
    def __init__(
        self,
        url: str = "sim://",
        *,
        name: str = "default",
        fault: Fault | None = None,
        out_dir: Path | None = None,
        layout: LayoutOptions | None = None,
        control: str | None = None,
    ) -> None:
        self.url = url
        self.name = name
        self.layout = layout or LayoutOptions()
        self.out_dir = out_dir
        self._lock = threading.Lock()
        self._printed: list[PrintedSlip] = []
        self._fault = fault or Fault()
        self._unplugged = False
        self._since_plug = 0
        self._closed = False
        # Bound before registering: a path in use fails the open, as for the other sims.
        self._control = ControlSocket(control, self.handle_command) if control is not None else None
        simhub.register("printer", name, self)

    @property
    def where(self) -> str:
        return f"sim printer {self.name!r}"

    # -- test and demo controls ---------------------------------------------------------------
    @property
    def printed(self) -> list[PrintedSlip]:
        with self._lock:
            return list(self._printed)

    def clear(self) -> None:
        with self._lock:
            self._printed.clear()

    def set_fault(self, spec: str | None) -> None:
        """Switch fault at run time, same syntax as ``fail=``; None or "" clears it."""
        fault = Fault.parse(spec, self.where, SIMPLE_FAULTS, "printer")
        with self._lock:
            self._fault = fault
            self._unplugged = False
            self._since_plug = 0

    def unplug(self) -> None:
        """Pull the simulated cable: nothing prints until replug()."""
        with self._lock:
            self._unplugged = True

    def handle_command(self, line: str) -> str:
        """One control-socket line -> reply ("ok", "ok: ..." for health, or "error: ...")."""
        verb, _, rest = line.partition(" ")
        if verb == "fault":
            spec = rest.strip()
            if not spec:
                return "error: usage: fault SPEC (none, " + ", ".join(SIMPLE_FAULTS) + ", unplug_after:N)"
            try:
                self.set_fault(None if spec == "none" else spec)
            except DeviceConfigError as exc:
                return f"error: {exc}"
            return "ok"
        return plug_command(self, verb, rest.strip(), "fault, unplug, replug or health")

    def replug(self) -> None:
        with self._lock:
            self._unplugged = False
            self._since_plug = 0
            if self._fault.kind == "unplug_after":
                self._fault = Fault()

    # -- Printer API --------------------------------------------------------------------------
    def print_slip(self, slip: Slip) -> None:
        data = render(slip, self.layout)  # same validation and bytes as a real printer
        text = render_text(slip)
        with self._lock:
            kind = self._fault.kind
            if self._closed:
                raise DeviceNotFound(f"printer not found: {self.where} is closed")
            if kind == "absent":
                raise DeviceNotFound(f"printer not found: {self.where} (simulated absent)")
            if kind == "paper_out":
                raise PaperOut(f"printer is out of paper, nothing printed: {self.where}")
            if kind == "timeout":
                raise DeviceTimeout(f"printer did not take the data in time: {self.where}")
            if self._unplugged:
                raise DeviceUnplugged(f"printer connection lost: {self.where} (simulated unplug)")
            record = PrintedSlip(slip, data, text, datetime.now(UTC))
            self._printed.append(record)
            self._since_plug += 1
            if kind == "unplug_after" and self._since_plug >= self._fault.after:
                self._unplugged = True
            seq = len(self._printed)
        if self.out_dir is not None:
            self._write(record, seq)

    def _write(self, record: PrintedSlip, seq: int) -> None:
        stamp = record.at.strftime("%Y%m%dT%H%M%S")
        base = self.out_dir / f"slip-{stamp}-{os.getpid()}-{seq:04d}"  # type: ignore[operator]
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
            base.with_suffix(".bin").write_bytes(record.data)
            base.with_suffix(".txt").write_text(record.text, encoding="utf-8")
        except OSError as exc:
            # The slip did "print"; losing the demo's copy must not fail the visitor's job.
            log.warning("sim printer %r could not write its copy to %s: %s", self.name, self.out_dir, exc)

    def health(self) -> Health:
        with self._lock:
            kind = self._fault.kind
            if self._closed:
                return Health.down("closed")
            if kind == "absent":
                return Health.down(f"printer not found: {self.where} (simulated absent)")
            if kind == "paper_out":
                return Health.down("paper out")
            if self._unplugged:
                return Health.down("printer unplugged")
            if kind == "paper_low":
                return Health.degraded("paper low")
            return Health.ok()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        simhub.unregister("printer", self.name, self)
        if self._control is not None:
            self._control.close()


def open_device(url: DeviceURL) -> SimPrinter:
    url.check_params(LAYOUT_PARAMS | {"name", "fail", "out", "control"})
    name = url.get_str("name", "default") or ""
    if not name.strip():
        raise DeviceConfigError(f"{url.raw}: parameter name must not be empty")
    out = url.get_str("out")
    if out is not None and not out.strip():
        raise DeviceConfigError(f"{url.raw}: parameter out must name a directory")
    return SimPrinter(
        url.raw,
        name=name,
        fault=Fault.parse(url.get_str("fail"), url.raw, SIMPLE_FAULTS, "printer"),
        out_dir=Path(out) if out else None,
        layout=LayoutOptions.from_url(url),
        control=control_param(url),
    )
