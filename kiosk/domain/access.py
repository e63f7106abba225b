"""Decide whether a tapped credential may enter a facility now (pure function, no IO).

decide() checks, in this order, and the first failing check is the reason given:

 1. stale_data       the member list is older than policy.stale_after (deny mode only).
                     First because every other answer may be wrong on stale data: a "new"
                     card would read as unknown, a renewed member as expired. Reception
                     needs to see the kiosk is out of date, and the member is told to see
                     reception rather than a possibly false reason.
 2. unknown_card     no member for this credential.
 3. blocked          staff decision; nothing else about the member is revealed.
 4. facility_not_included   no entitlement for this facility at all.
 5. not_yet_valid / expired  no entitlement for this facility covers today (local date in
                     policy.zone, valid_until inclusive). If one starts later, the member
                     hears when (not_yet_valid), even if an older one has expired.
 6. frozen           status frozen, or today inside a freeze window (inclusive).
                     After validity: unfreezing an expired membership would not let them in.
 7. no_visits_left   a visit package with 0 (or fewer) visits.
 8. outside_hours    facility closed now (see FacilityRule: per-weekday wall-clock
                     intervals in policy.zone, end exclusive, end <= start crosses midnight).
                     Member-specific reasons come first: an expired member should hear
                     "expired", which tomorrow morning will not fix, not "closed".
 9. anti_passback    without exit tracking: this credential was granted here less than
                     policy.anti_passback ago (|now - last| < window; a last tap in the
                     future, after a clock step back, also counts, so a clock fault cannot
                     open the gate twice). With exit tracking: already_inside instead, and
                     the time window is not applied (the inside flag is authoritative).
10. facility_full    occupancy >= capacity.

data_as_of is when the member list was last refreshed (CSV import or sync). None means it
never was, which we treat as stale: failing closed is the safe side for a door, and
stale_action="allow" exists for sites that accept the risk. On a grant or denial made with
stale data in allow mode, detail["stale"] == "true" so logs and staff can see it. A
data_as_of in the future (clock stepped back) counts as fresh.

All datetimes must be timezone-aware; a naive one raises ValueError (a naive time is a
bug upstream, and guessing its zone would silently shift opening hours and expiry dates).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kiosk.domain.messages import GRANTED, MESSAGES, denied_key
from kiosk.domain.model import (
    Activity,
    Decision,
    FacilityRule,
    Member,
    MemberStatus,
    Policy,
    Reason,
)
from lobby_core.masking import mask_name

__all__ = ["MESSAGES", "decide", "is_open", "next_opening"]

# How far ahead to look for the next opening time to tell a member (a long holiday closure
# still gets an answer; beyond that the hint is simply left out).
NEXT_OPEN_HORIZON_DAYS = 62

_ONE_DAY = timedelta(days=1)


def _require_aware(name: str, dt: datetime | None) -> None:
    if dt is not None and (dt.tzinfo is None or dt.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {dt!r}")


def same_facility(a: str, b: str) -> bool:
    return a == b or a.strip().casefold() == b.strip().casefold()


def is_open(rule: FacilityRule | None, local: datetime) -> bool:
    """Whether the facility is open at this local wall-clock time (naive or aware-local)."""
    if rule is None:
        return True
    today = local.date()
    t = local.time().replace(tzinfo=None)
    if today not in rule.closed_days:
        for start, end in rule.hours.get(today.weekday(), ()):
            if (start <= t < end) if start < end else start <= t:
                return True
    yesterday = today - _ONE_DAY
    if yesterday not in rule.closed_days:
        for start, end in rule.hours.get(yesterday.weekday(), ()):
            if end <= start and t < end:
                return True
    return False


def next_opening(rule: FacilityRule, local: datetime) -> datetime | None:
    """The next local wall-clock time after `local` at which an interval starts, if any soon."""
    today = local.date()
    now_wall = local.replace(tzinfo=None)
    for offset in range(NEXT_OPEN_HORIZON_DAYS + 1):
        day = today + timedelta(days=offset)
        if day in rule.closed_days:
            continue
        starts = sorted(start for start, _ in rule.hours.get(day.weekday(), ()))
        for start in starts:
            candidate = datetime.combine(day, start.replace(tzinfo=None))
            if candidate > now_wall:
                return candidate
    return None


def _deny(
    reason: Reason,
    member: Member | None,
    display_name: str,
    detail: dict[str, str],
) -> Decision:
    return Decision(
        granted=False,
        reason=reason,
        message_key=denied_key(reason),
        member_no=member.member_no if member else None,
        display_name=display_name,
        visits_left=member.visits_remaining if member else None,
        consumes_visit=False,
        detail=detail,
    )


def _retry_at(last: datetime, window: timedelta, policy: Policy) -> str:
    at = (last + window).astimezone(policy.zone)
    if at.second or at.microsecond:
        # Round up: a member told "after 18:04" must not be refused at 18:04:00.
        at = (at + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return at.strftime("%H:%M")


def _entitlement_reason(member: Member, facility: str, today: date, detail: dict[str, str]) -> Reason | None:
    mine = [e for e in member.entitlements if same_facility(e.facility, facility)]
    if not mine:
        return Reason.FACILITY_NOT_INCLUDED
    if any(e.valid_from <= today <= e.valid_until for e in mine):
        return None
    future = [e.valid_from for e in mine if e.valid_from > today]
    if future:
        detail["valid_from"] = min(future).isoformat()
        return Reason.NOT_YET_VALID
    detail["valid_until"] = max(e.valid_until for e in mine).isoformat()
    return Reason.EXPIRED


def _frozen(member: Member, today: date, detail: dict[str, str]) -> bool:
    covering = [f.end for f in member.freezes if f.start <= today <= f.end]
    if covering:
        detail["frozen_until"] = max(covering).isoformat()
        return True
    return member.status == MemberStatus.FROZEN


def decide(
    member: Member | None,
    facility: str,
    now: datetime,
    rule: FacilityRule | None,
    activity: Activity,
    policy: Policy,
    data_as_of: datetime | None,
) -> Decision:
    """Grant or deny one tap; see the module docstring for the order of checks."""
    _require_aware("now", now)
    _require_aware("data_as_of", data_as_of)
    _require_aware("activity.last_same_credential_at", activity.last_same_credential_at)

    local = now.astimezone(policy.zone)
    today = local.date()
    detail: dict[str, str] = {"facility": facility}

    stale = data_as_of is None or now - data_as_of > policy.stale_after
    if stale:
        if data_as_of is not None:
            detail["data_as_of"] = data_as_of.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M")
        if policy.stale_action == "deny":
            return _deny(Reason.STALE_DATA, member, mask_name(member.name) if member else "", detail)
        detail["stale"] = "true"

    if member is None:
        return _deny(Reason.UNKNOWN_CARD, None, "", detail)
    name = mask_name(member.name)
    if member.status not in (MemberStatus.ACTIVE, MemberStatus.FROZEN):
        # Blocked, or a status this version does not know: fail closed.
        return _deny(Reason.BLOCKED, member, name, detail)

    reason = _entitlement_reason(member, facility, today, detail)
    if reason is not None:
        return _deny(reason, member, name, detail)
    if _frozen(member, today, detail):
        return _deny(Reason.FROZEN, member, name, detail)
    visits = member.visits_remaining
    if visits is not None and visits <= 0:
        return _deny(Reason.NO_VISITS_LEFT, member, name, detail)

    if not is_open(rule, local):
        assert rule is not None  # is_open() is always true without a rule
        opens = next_opening(rule, local)
        if opens is not None:
            detail["next_open_date"] = opens.date().isoformat()
            detail["next_open_time"] = opens.strftime("%H:%M")
        return _deny(Reason.OUTSIDE_HOURS, member, name, detail)

    if policy.track_exits:
        if activity.inside:
            return _deny(Reason.ALREADY_INSIDE, member, name, detail)
    elif activity.last_same_credential_at is not None and policy.anti_passback:
        last = activity.last_same_credential_at
        if abs(now - last) < policy.anti_passback:
            detail["retry_at"] = _retry_at(last, policy.anti_passback, policy)
            return _deny(Reason.ANTI_PASSBACK, member, name, detail)

    if rule is not None and rule.capacity is not None and activity.occupancy >= rule.capacity:
        detail["capacity"] = str(rule.capacity)
        return _deny(Reason.FACILITY_FULL, member, name, detail)

    detail["name"] = name
    if visits is not None:
        detail["visits_left"] = str(visits - 1)
    return Decision(
        granted=True,
        reason=None,
        message_key=GRANTED,
        member_no=member.member_no,
        display_name=name,
        visits_left=None if visits is None else visits - 1,
        consumes_visit=visits is not None,
        detail=detail,
    )
