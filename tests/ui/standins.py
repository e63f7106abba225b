"""Stand-ins for kiosk parts other branches build (ops: help_call, technician_access; diag:
diagnose, remote_actions), with the names and shapes the UI codes against."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class HelpOutcome:
    queued: bool = True


@dataclass
class HelpCall:
    calls: int = 0
    fail: Exception | None = None
    release: threading.Event = field(default_factory=threading.Event)

    def call(self) -> HelpOutcome:
        self.release.wait(10)  # a test holds the call "in flight" until it sets this
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return HelpOutcome()


@dataclass
class TechnicianAccess:
    pin: str = "2468"
    tried: list[str] = field(default_factory=list)

    def verify(self, pin: str) -> str | None:
        self.tried.append(pin)
        return "Tech One" if pin == self.pin else None


@dataclass
class RemoteActions:
    """Kiosk.remote_actions' shape: each live test is asked in someone's name."""

    pulses: int = 0
    asked_by: list[str] = field(default_factory=list)

    def pulse_gate(self, requested_by: str) -> str:
        self.pulses += 1
        self.asked_by.append(requested_by)
        return "gate pulsed"

    def print_test(self, requested_by: str) -> str:
        raise RuntimeError("printer not configured")
