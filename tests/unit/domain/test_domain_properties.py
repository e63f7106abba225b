"""decide() never raises on valid inputs, and what it returns is always self-consistent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.access import decide
from kiosk.domain.messages import render_decision
from kiosk.domain.model import (
    Activity,
    Entitlement,
    FacilityRule,
    Freeze,
    Member,
    MemberStatus,
    Policy,
)

FACILITIES = ["gym", "pool", "Gym", "chess"]
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()
)
zones = st.one_of(
    st.sampled_from(["America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe"]),
    st.sampled_from(sorted(available_timezones())),
).map(ZoneInfo)

members = st.builds(
    Member,
    member_no=st.text(max_size=12),
    name=st.text(max_size=30),
    status=st.sampled_from(MemberStatus),
    entitlements=st.lists(st.builds(Entitlement, st.sampled_from(FACILITIES), dates, dates), max_size=3).map(
        tuple
    ),
    freezes=st.lists(st.builds(Freeze, dates, dates), max_size=2).map(tuple),
    visits_remaining=st.none() | st.integers(-3, 1000),
)
intervals = st.tuples(st.times(), st.times())
rules = st.builds(
    FacilityRule,
    facility=st.just("gym"),
    hours=st.dictionaries(st.integers(0, 6), st.lists(intervals, max_size=3).map(tuple)),
    closed_days=st.frozensets(dates, max_size=5),
    capacity=st.none() | st.integers(0, 300),
)
activities = st.builds(
    Activity,
    last_same_credential_at=st.none() | instants,
    inside=st.booleans(),
    occupancy=st.integers(-5, 400),
)
policies = st.builds(
    Policy,
    zone=zones,
    anti_passback=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=1)),
    track_exits=st.booleans(),
    stale_after=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=30)),
    stale_action=st.sampled_from(["deny", "allow"]),
)


@given(
    member=st.none() | members,
    facility=st.sampled_from(FACILITIES),
    now=instants,
    rule=st.none() | rules,
    activity=activities,
    policy=policies,
    data_as_of=st.none() | instants,
)
def test_decide_is_total_and_consistent(
    member: Member | None,
    facility: str,
    now: datetime,
    rule: FacilityRule | None,
    activity: Activity,
    policy: Policy,
    data_as_of: datetime | None,
) -> None:
    d = decide(member, facility, now, rule, activity, policy, data_as_of)
    assert d.granted == (d.reason is None)
    if d.granted:
        assert member is not None and d.message_key == "access.granted"
        assert d.consumes_visit == (member.visits_remaining is not None)
        if member.visits_remaining is not None:
            assert member.visits_remaining >= 1 and d.visits_left == member.visits_remaining - 1
    else:
        assert d.message_key == f"access.denied.{d.reason}" and not d.consumes_visit
    assert d.member_no == (member.member_no if member else None)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in d.detail.items())
    for lang in ("zh_CN", "en"):
        assert render_decision(d, lang)


@given(
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2050, 1, 1), timezones=st.just(UTC)),
    zone=zones,
)
def test_a_plain_member_is_granted_in_any_zone_when_always_open(now: datetime, zone: ZoneInfo) -> None:
    m = Member(
        "M1",
        "John Smith",
        MemberStatus.ACTIVE,
        (Entitlement("gym", date(1999, 1, 1), date(2051, 1, 1)),),
    )
    all_day = FacilityRule("gym", hours={d: ((time(0), time(0)),) for d in range(7)})
    d = decide(m, "gym", now, all_day, Activity(), Policy(zone), now - timedelta(minutes=5))
    assert d.granted and d.display_name == "J*** S****"
