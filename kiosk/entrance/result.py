"""What one tap came to, as published to listeners (the UI, the headless log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.store import PulseState

# Message keys beyond the decision engine's "access.*" ones.
EXIT_GRANTED = "exit.granted"
EXIT_UNKNOWN = "exit.denied.unknown_card"
SYSTEM_ERROR = "access.error"  # the kiosk could not process the tap; see staff


@dataclass(frozen=True, slots=True)
class EntranceResult:
    at: datetime
    direction: str  # entry | exit
    granted: bool
    reason: str | None  # a kiosk.domain.model.Reason value, None when granted
    message_key: str
    member_no: str | None
    display_name: str  # already masked
    visits_left: int | None
    locker: str | None  # label of the locker opened for the member
    pulse: PulseState  # of the gate relay
    see_staff: bool  # the relay or the store failed: the member must ask staff
    event_uuid: str | None  # None only when the store failed
    detail: dict[str, str] = field(default_factory=dict)

    def log_line(self) -> str:
        """member_no and reason only: never a name, never a UID next to a member."""
        parts = [self.direction, "granted" if self.granted else "denied",
                 f"member_no={self.member_no or '-'}", f"reason={self.reason or '-'}"]
        if self.visits_left is not None:
            parts.append(f"visits_left={self.visits_left}")
        if self.locker is not None:
            parts.append(f"locker={self.locker}")
        parts.append(f"pulse={self.pulse.value}")
        if self.see_staff:
            parts.append("see_staff")
        return " ".join(parts)
