"""A bank of lockers on relay channels: which locker a tap may open, and opening it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from devices import Relay
from kiosk.config import LockersSection
from kiosk.domain.access import same_facility
from kiosk.domain.model import Decision, Member, Reason
from kiosk.store import Locker

# A member who holds a locker may open it even when the gate stays shut (anti-passback,
# facility full, outside hours...), except for these; expiry gets a grace period instead.
_NEVER_OPEN_OWN = {Reason.UNKNOWN_CARD, Reason.BLOCKED}


@dataclass(frozen=True)
class LockerBank:
    relay: Relay
    lockers: tuple[Locker, ...]
    pulse_ms: int
    grace: timedelta

    @classmethod
    def from_config(cls, section: LockersSection, relay: Relay) -> LockerBank | None:
        if not section.channels:
            return None
        labels = section.labels or tuple(str(i + 1) for i in range(len(section.channels)))
        return cls(
            relay=relay,
            lockers=tuple(Locker(lb, ch) for lb, ch in zip(labels, section.channels, strict=True)),
            pulse_ms=section.pulse_ms,
            grace=timedelta(minutes=section.grace_minutes),
        )

    @property
    def order(self) -> list[str]:
        return [lk.label for lk in self.lockers]

    def may_open_own(self, member: Member, decision: Decision, facility: str, now: datetime,
                     zone: ZoneInfo) -> bool:
        """After a denial: may this member still open the locker they hold?"""
        if decision.reason in _NEVER_OPEN_OWN:
            return False
        if decision.reason is not Reason.EXPIRED:
            return True
        # The decision engine's own comparison, so "expired" and the grace agree on the facility.
        ends = [e.valid_until for e in member.entitlements if same_facility(e.facility, facility)]
        if not ends:
            return False
        # valid_until is inclusive: the membership ends at the next local midnight.
        last = max(ends) + timedelta(days=1)
        expired_at = datetime(last.year, last.month, last.day, tzinfo=zone)
        return now < expired_at + self.grace

    def open(self, locker: Locker) -> None:
        self.relay.pulse(locker.channel, self.pulse_ms)
