"""Dates, opening hours and the anti-passback window at their boundaries, across time zones.

Local times are built in the zone and handed to decide() as UTC instants, so the engine has
to convert them back; a local time the zone skips (DST gap) is filtered out with assume().
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.domain.model import Activity, Entitlement, FacilityRule, Freeze, Policy, Reason
from tests.unit.domain.domain_builders import member, run

NAMED_ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe"]
zones = st.one_of(st.sampled_from(NAMED_ZONES).map(ZoneInfo), st.timezones())
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
ONE_US = timedelta(microseconds=1)


def instant(day: date, wall: time, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The UTC instant of a local wall-clock time; skips wall times the zone never shows."""
    local = datetime.combine(day, wall, tzinfo=zone).replace(fold=fold)
    back = local.astimezone(UTC).astimezone(zone)
    assume(back.replace(tzinfo=None) == local.replace(tzinfo=None))
    return local.astimezone(UTC)


def at(zone: ZoneInfo, now: datetime, **kw):  # noqa: ANN202 - thin wrapper over run()
    return run(now=now, policy=kw.pop("policy", Policy(zone=zone)), **kw)


@given(zone=zones, day=days)
def test_valid_until_is_inclusive_in_local_time(zone: ZoneInfo, day: date) -> None:
    m = member(entitlements=(Entitlement("gym", day - timedelta(days=30), day),))
    last_moment = instant(day, time(23, 59, 59, 999999), zone)
    next_midnight = instant(day + timedelta(days=1), time(0), zone)
    assert run(m, now=last_moment, policy=Policy(zone=zone), default_rule=False).granted
    d = run(m, now=next_midnight, policy=Policy(zone=zone), default_rule=False)
    assert d.reason is Reason.EXPIRED and d.detail["valid_until"] == day.isoformat()


@given(zone=zones, day=days)
def test_valid_from_is_inclusive_in_local_time(zone: ZoneInfo, day: date) -> None:
    m = member(entitlements=(Entitlement("gym", day, day + timedelta(days=30)),))
    first_moment = instant(day, time(0), zone)
    just_before = instant(day - timedelta(days=1), time(23, 59, 59, 999999), zone)
    assert run(m, now=first_moment, policy=Policy(zone=zone), default_rule=False).granted
    d = run(m, now=just_before, policy=Policy(zone=zone), default_rule=False)
    assert d.reason is Reason.NOT_YET_VALID and d.detail["valid_from"] == day.isoformat()


@given(zone=zones, day=days, length=st.integers(0, 40))
def test_freeze_window_is_inclusive(zone: ZoneInfo, day: date, length: int) -> None:
    end = day + timedelta(days=length)
    m = member(
        entitlements=(Entitlement("gym", date(1980, 1, 1), date(2100, 1, 1)),),
        freezes=(Freeze(day, end),),
    )
    policy = Policy(zone=zone)
    inside = [instant(day, time(0), zone), instant(end, time(23, 59, 59, 999999), zone)]
    for now in inside:
        d = run(m, now=now, policy=policy, default_rule=False)
        assert d.reason is Reason.FROZEN and d.detail["frozen_until"] == end.isoformat()
    after = instant(end + timedelta(days=1), time(0), zone)
    assert run(m, now=after, policy=policy, default_rule=False).granted


times = st.times()  # naive, microsecond resolution


def _one_interval_rule(day: date, start: time, end: time) -> FacilityRule:
    return FacilityRule("gym", hours={day.weekday(): ((start, end),)}, capacity=None)


def _member_for_all_time():  # noqa: ANN202
    return member(entitlements=(Entitlement("gym", date(1900, 1, 1), date(2200, 1, 1)),))


@given(zone=zones, day=days, a=times, b=times, fold=st.integers(0, 1))
def test_same_day_interval_boundaries(zone: ZoneInfo, day: date, a: time, b: time, fold: int) -> None:
    assume(a < b)
    rule = _one_interval_rule(day, a, b)
    m, policy = _member_for_all_time(), Policy(zone=zone)
    # Both folds of an ambiguous wall time show the same clock, so both are open.
    opened = run(m, now=instant(day, a, zone, fold), rule_=rule, policy=policy)
    assert opened.granted
    closed = run(m, now=instant(day, b, zone, fold), rule_=rule, policy=policy)
    assert closed.reason is Reason.OUTSIDE_HOURS
    # Closed at `b`: the next opening is the same weekday, a week later.
    assert closed.detail["next_open_date"] == (day + timedelta(days=7)).isoformat()
    assert closed.detail["next_open_time"] == a.strftime("%H:%M")
    if a != time(0):
        before = (datetime.combine(day, a) - ONE_US).time()
        early = run(m, now=instant(day, before, zone, fold), rule_=rule, policy=policy)
        assert early.reason is Reason.OUTSIDE_HOURS
        assert early.detail["next_open_date"] == day.isoformat()


@given(zone=zones, day=days, a=times, b=times)
def test_interval_crossing_midnight(zone: ZoneInfo, day: date, a: time, b: time) -> None:
    assume(b <= a)
    rule = _one_interval_rule(day, a, b)
    m, policy = _member_for_all_time(), Policy(zone=zone)
    tomorrow = day + timedelta(days=1)
    assert run(m, now=instant(day, a, zone), rule_=rule, policy=policy).granted
    assert run(m, now=instant(day, time.max, zone), rule_=rule, policy=policy).granted
    if b != time(0):
        assert run(m, now=instant(tomorrow, time(0), zone), rule_=rule, policy=policy).granted
        before_end = (datetime.combine(tomorrow, b) - ONE_US).time()
        assert run(m, now=instant(tomorrow, before_end, zone), rule_=rule, policy=policy).granted
    d = run(m, now=instant(tomorrow, b, zone), rule_=rule, policy=policy)
    assert d.reason is Reason.OUTSIDE_HOURS
    # A closed day cancels the session that starts on it, not the one spilling into it.
    closed_today = FacilityRule("gym", rule.hours, frozenset({day}))
    assert run(m, now=instant(day, a, zone), rule_=closed_today, policy=policy).reason is (
        Reason.OUTSIDE_HOURS
    )
    if b != time(0):
        closed_tomorrow = FacilityRule("gym", rule.hours, frozenset({tomorrow}))
        spill = instant(tomorrow, time(0), zone)
        assert run(m, now=spill, rule_=closed_tomorrow, policy=policy).granted


@given(
    zone=zones,
    now=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    window=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=2)),
    inside=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2)),
)
def test_anti_passback_window_boundary(
    zone: ZoneInfo, now: datetime, window: timedelta, inside: timedelta
) -> None:
    assume(inside < window)
    m = _member_for_all_time()
    policy = Policy(zone=zone, anti_passback=window)

    def tap(last: datetime):  # noqa: ANN202
        return run(m, now=now, policy=policy, activity=Activity(last), default_rule=False)

    assert tap(now - window).granted
    assert tap(now - window + ONE_US).reason is Reason.ANTI_PASSBACK
    d = tap(now - inside)
    assert d.reason is Reason.ANTI_PASSBACK
    # The time told to the member is never before the window really ends.
    retry = datetime.strptime(d.detail["retry_at"], "%H:%M").time()
    end_local = (now - inside + window).astimezone(zone)
    end_wall = end_local.replace(tzinfo=None)
    told = datetime.combine(end_wall.date(), retry)
    if told < end_wall:  # the window ends just before local midnight, told 00:00 next day
        told += timedelta(days=1)
    assert timedelta(0) <= told - end_wall < timedelta(minutes=1)


@given(
    zone=zones,
    now=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    window=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=2)),
    ahead=st.timedeltas(min_value=ONE_US, max_value=timedelta(hours=2)),
)
def test_anti_passback_after_the_clock_steps_back(
    zone: ZoneInfo, now: datetime, window: timedelta, ahead: timedelta
) -> None:
    """The last grant is in the future: the window is measured both ways (|now - last|)."""
    m = _member_for_all_time()
    policy = Policy(zone=zone, anti_passback=window)

    def tap(last: datetime):  # noqa: ANN202
        return run(m, now=now, policy=policy, activity=Activity(last), default_rule=False)

    # A small step back cannot open the gate twice...
    assert tap(now + min(ahead, window - ONE_US)).reason is Reason.ANTI_PASSBACK
    # ...and a large one does not lock the member out until the clock catches up.
    assert tap(now + window).granted
    assert tap(now + window + ahead).granted


# Transition days pinned by hand: the hypothesis runs above may or may not land on them.
@pytest.mark.parametrize(
    ("zone", "day", "wall", "fold", "open_"),
    [
        # London springs forward 01:00 -> 02:00 on 2026-03-29; the gym opens 06:00.
        ("Europe/London", date(2026, 3, 29), time(5, 59, 59), 0, False),
        ("Europe/London", date(2026, 3, 29), time(6), 0, True),
        # New York falls back 02:00 -> 01:00 on 2026-11-01: 01:30 happens twice.
        ("America/New_York", date(2026, 11, 1), time(1, 30), 0, True),
        ("America/New_York", date(2026, 11, 1), time(1, 30), 1, True),
        ("America/New_York", date(2026, 11, 1), time(2, 30), 0, False),
        # Lord Howe falls back by 30 minutes (02:00 -> 01:30) on 2026-04-05.
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), 1, True),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(0, 59), 0, False),
    ],
)
def test_dst_transition_days(zone: str, day: date, wall: time, fold: int, open_: bool) -> None:
    z = ZoneInfo(zone)
    hours = ((time(1), time(2)), (time(6), time(22)))
    rule = FacilityRule("gym", hours={day.weekday(): hours})
    now = datetime.combine(day, wall, tzinfo=z).replace(fold=fold).astimezone(UTC)
    d = run(_member_for_all_time(), now=now, rule_=rule, policy=Policy(zone=z))
    assert d.granted is open_
