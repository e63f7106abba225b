"""Live tests a technician asks for: pulse the gate, print a test slip, export a bundle.

The same for `kiosk diag --pulse/--print/--bundle` (through the running kiosk's control
socket) and for central's console (the sync engine calls RemoteActions). A pulse asked for
this way is logged with who asked and never recorded as a member's entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import devices
from lobby_core.diagnostics import Check

from ..gate import Gate
from .make import FAIL, PASS, check, one_line

log = logging.getLogger(__name__)
MAX_WHO = 60


def who(requested_by: str) -> str:
    """One short printable line: it goes into a log line and onto paper."""
    text = one_line("".join(c for c in str(requested_by) if c.isprintable()), MAX_WHO)
    return text or "unknown"


def test_slip(place: str, requested_by: str) -> devices.Slip:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return devices.Slip(title="TEST SLIP", lines=(place, now, f"requested by {who(requested_by)}"),
                        footer="lobby-kiosk printer test")


def print_on(printer: devices.Printer | None, place: str, requested_by: str,
             problem: str = "") -> Check:
    if printer is None:
        return check("action.print", FAIL, "action.print_failed",
                     reason=problem or "no printer configured")
    try:
        printer.print_slip(test_slip(place, requested_by))
    except devices.DeviceError as exc:
        log.warning("diag: test slip asked by %s failed: %s", who(requested_by), exc)
        return check("action.print", FAIL, "action.print_failed", reason=one_line(exc))
    log.info("diag: test slip printed, asked by %s", who(requested_by))
    return check("action.print", PASS, "action.print_ok")


def pulse_on(relay: devices.Relay, channel: int, ms: int, requested_by: str) -> Check:
    """A standalone pulse (no kiosk running): diag holds the board itself."""
    try:
        relay.pulse(channel, ms)
    except devices.DeviceError as exc:
        log.warning("diag: gate pulse asked by %s failed: %s", who(requested_by), exc)
        return check("action.pulse", FAIL, "action.pulse_failed", reason=one_line(exc))
    log.info("diag: gate pulse on channel %d asked by %s", channel, who(requested_by))
    return check("action.pulse", PASS, "action.pulse_ok", channel=channel, ms=ms)


class RemoteActions:
    """What the running kiosk offers for live tests (the contract the sync engine uses)."""

    def __init__(self, gate: Gate, printer: Callable[[], tuple[devices.Printer | None, str]],
                 place: str, bundle: Callable[[], bytes]) -> None:
        self._gate = gate
        self._printer = printer  # (the open printer or None, why not)
        self._place = place
        self._bundle = bundle

    def pulse_check(self, requested_by: str) -> Check:
        try:
            self._gate.test_pulse(who(requested_by))
        except devices.DeviceError as exc:
            return check("action.pulse", FAIL, "action.pulse_failed", reason=one_line(exc))
        return check("action.pulse", PASS, "action.pulse_ok", channel=self._gate.channel,
                     ms=self._gate.pulse_ms)

    def print_check(self, requested_by: str) -> Check:
        printer, problem = self._printer()
        return print_on(printer, self._place, requested_by, problem)

    # The console's requests (kiosk.sync.remote): the Check itself, so a failed test is
    # recorded as failed with its summary, not as a line that reads like success.
    def pulse_gate(self, requested_by: str) -> Check:
        return self.pulse_check(requested_by)

    def print_test(self, requested_by: str) -> Check:
        return self.print_check(requested_by)

    def bundle(self) -> bytes:
        return self._bundle()
