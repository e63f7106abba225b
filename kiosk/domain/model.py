"""Value objects the entrance decision is made from and returns (frozen dataclasses, no IO).

This is the contract between the decision engine (kiosk.domain.access) and the store and
entrance pipeline: fields may be added with defaults, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo


class MemberStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Entitlement:
    """The member may use `facility` from `valid_from` to `valid_until`, both inclusive."""

    facility: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class Freeze:
    """A membership pause from `start` to `end`, inclusive local dates."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Member:
    """A member as stored. Not validated here: it is built from stored data, and decide()
    handles odd values safely (visits <= 0 = none left, an unknown status = blocked, an
    entitlement ending before it starts is never valid), so one bad row cannot stop the gate.
    """

    member_no: str
    name: str
    status: MemberStatus
    entitlements: tuple[Entitlement, ...] = ()
    freezes: tuple[Freeze, ...] = ()
    visits_remaining: int | None = None  # None = unlimited


# weekday (0=Mon..6=Sun) -> intervals of local wall-clock time, start inclusive, end exclusive.
# An interval whose end <= start runs past midnight into the next day; (t, t) is 24 hours from t.
Hours = dict[int, tuple[tuple[time, time], ...]]


@dataclass(frozen=True, slots=True)
class FacilityRule:
    """Opening hours and capacity of one facility; no rule at all = always open, no limit.

    A weekday missing from `hours` is closed. A date in `closed_days` cancels the intervals
    that start on it (a session that began the evening before still runs to its end).
    """

    facility: str
    hours: Hours = field(default_factory=dict)
    closed_days: frozenset[date] = frozenset()
    capacity: int | None = None

    def __post_init__(self) -> None:
        for weekday, intervals in self.hours.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"{self.facility}: weekday must be 0 (Mon) to 6 (Sun), got {weekday!r}")
            for interval in intervals:
                if len(interval) != 2 or not all(isinstance(t, time) and t.tzinfo is None for t in interval):
                    raise ValueError(
                        f"{self.facility}: opening interval must be two naive local times, got {interval!r}"
                    )
        if self.capacity is not None and self.capacity < 0:
            raise ValueError(f"{self.facility}: capacity must not be negative, got {self.capacity}")


@dataclass(frozen=True, slots=True)
class Activity:
    last_same_credential_at: datetime | None = None  # last GRANTED tap of this credential here
    inside: bool = False  # member recorded inside (only meaningful when exits are tracked)
    occupancy: int = 0  # people currently inside this facility


StaleAction = Literal["deny", "allow"]


@dataclass(frozen=True, slots=True)
class Policy:
    zone: ZoneInfo
    anti_passback: timedelta = timedelta(minutes=2)
    track_exits: bool = False
    stale_after: timedelta = timedelta(hours=72)
    stale_action: StaleAction = "deny"

    def __post_init__(self) -> None:
        if not isinstance(self.zone, ZoneInfo):
            raise ValueError(f"policy zone must be a ZoneInfo, got {self.zone!r}")
        if self.anti_passback < timedelta(0):
            raise ValueError(f"anti_passback must not be negative, got {self.anti_passback}")
        if self.stale_after <= timedelta(0):
            raise ValueError(f"stale_after must be positive, got {self.stale_after}")
        if self.stale_action not in ("deny", "allow"):
            raise ValueError(f"stale_action must be 'deny' or 'allow', got {self.stale_action!r}")


class Reason(StrEnum):
    UNKNOWN_CARD = "unknown_card"
    BLOCKED = "blocked"
    FROZEN = "frozen"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    FACILITY_NOT_INCLUDED = "facility_not_included"
    OUTSIDE_HOURS = "outside_hours"
    NO_VISITS_LEFT = "no_visits_left"
    ANTI_PASSBACK = "anti_passback"
    ALREADY_INSIDE = "already_inside"
    FACILITY_FULL = "facility_full"
    STALE_DATA = "stale_data"


@dataclass(frozen=True, slots=True)
class Decision:
    granted: bool
    reason: Reason | None  # None exactly when granted
    message_key: str  # "access.granted" or "access.denied.<reason>"
    member_no: str | None
    display_name: str  # masked, e.g. "张*" / "张*明" / "J*** S****"; "" for an unknown card
    visits_left: int | None  # after this entry when granted; None = unlimited or unknown
    consumes_visit: bool  # True when the grant must decrement the visit package
    # Parameters of the message texts (all strings, e.g. {"valid_until": "2026-10-31"}), and
    # flags for staff and logs (e.g. {"stale": "true"} when granted on stale data).
    detail: dict[str, str] = field(default_factory=dict)
