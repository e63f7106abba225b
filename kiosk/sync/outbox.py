"""How a kiosk access event is told to central: the /api/v1/events item for one store Event.

Central learns from `reason = "visit_used"` on a granted entry that the member spent one visit
of a package here; it takes it off its own count (and records an overdraw when two kiosks
spent the last visit while offline; see central/services/overdraw.py).

A visitor pass's event (one with a pass id) is a `visitor_entry` with the pass id and, for a
pass central issued, its visit id; central counts the pass's entries from the granted and
unconfirmed ones (and records an overuse when offline kiosks together went past the pass's
entries; see central/services/pass_entries.py). At an exit kiosk it is a `visitor_exit`: a
granted or unconfirmed one checks the visit out at central (a gate_failed one does not: the
visitor is still inside).
"""

from __future__ import annotations

from typing import Any

from kiosk.store import Event, PulseState
from lobby_core.facilities import facility_code

MAX_VISIT_ID = 2_000_000_000  # central's bound on a visit id in an event
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
    who = "member" if ev.pass_id is None else "visitor"
    item: dict[str, Any] = {
        "event_id": ev.uuid,
        "occurred_at": ev.at.isoformat(),
        "kind": f"{who}_exit" if ev.direction == "exit" else f"{who}_entry",
        "outcome": outcome,
    }
    if ev.pass_id is not None:
        item["pass_id"] = ev.pass_id
        # 0: a pass this kiosk signed after a PIN approval has no visit id (yet)
        if ev.visit_id is not None and 0 < ev.visit_id <= MAX_VISIT_ID:
            item["visit_id"] = ev.visit_id
    facility = _slug(ev.facility)
    if facility:
        item["facility"] = facility
    if ev.member_no:
        item["member_no"] = ev.member_no[:32]
    if reason:
        item["reason"] = reason[:64]
    if ev.locker:
        item["locker"] = ev.locker[:16]
    return item
