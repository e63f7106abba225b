"""How a kiosk access event is told to central: the /api/v1/events item for one store Event.

Central learns from `reason = "visit_used"` on a granted entry that the member spent one visit
of a package here; it takes it off its own count (and records an overdraw when two kiosks
spent the last visit while offline; see central/services/overdraw.py).
"""

from __future__ import annotations

from typing import Any

from kiosk.store import Event, PulseState
from lobby_core.facilities import facility_code

VISIT_USED = "visit_used"  # must equal central.services.overdraw.VISIT_USED (a test ties them)

_OUTCOME = {
    PulseState.CONFIRMED: "granted",
    PulseState.NONE: "granted",
    PulseState.PENDING: "granted",  # never sent: the outbox holds pending rows back
    PulseState.UNCONFIRMED: "unconfirmed",  # recorded, then the kiosk stopped: maybe opened
    PulseState.FAILED: "gate_failed",  # the relay failed: the member did not get in
}


def _slug(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return facility_code(value)
    except ValueError:
        return None


def to_wire(ev: Event) -> dict[str, Any]:
    """The central event item; fields central would refuse are left out rather than sent bad."""
    if ev.granted:
        outcome = _OUTCOME[ev.pulse_state]
        reason = VISIT_USED if ev.consumed_visit else (
            "relay_failed" if ev.pulse_state is PulseState.FAILED else None)
    else:
        outcome, reason = "denied", ev.reason
    item: dict[str, Any] = {
        "event_id": ev.uuid,
        "occurred_at": ev.at.isoformat(),
        "kind": "member_exit" if ev.direction == "exit" else "member_entry",
        "outcome": outcome,
    }
    facility = _slug(ev.facility)
    if facility:
        item["facility"] = facility
    if ev.member_no:
        item["member_no"] = ev.member_no[:32]
    if reason:
        item["reason"] = reason[:64]
    return item
