"""One row per denial reason, then rows where two reasons apply and the precedence decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from kiosk.domain.access import decide
from kiosk.domain.messages import render_decision
from kiosk.domain.model import (
    Activity,
    Entitlement,
    Freeze,
    MemberStatus,
    Policy,
    Reason,
)
from tests.unit.domain.domain_builders import NOW, SHANGHAI, member, rule, run

GYM_2026 = Entitlement("gym", date(2026, 1, 1), date(2026, 12, 31))
EXPIRED = Entitlement("gym", date(2025, 1, 1), date(2026, 5, 14))
FUTURE = Entitlement("gym", date(2026, 6, 1), date(2027, 5, 31))
POOL_ONLY = Entitlement("pool", date(2026, 1, 1), date(2026, 12, 31))
NIGHT = datetime(2026, 5, 15, 23, 0, tzinfo=SHANGHAI)  # gym hours are 06:00-22:00
OLD_DATA = NOW - timedelta(hours=73)


@dataclass
class Row:
    id: str
    expected: Reason
    member: dict[str, Any] | None = field(default_factory=dict)  # None = unknown card
    kwargs: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, str] = field(default_factory=dict)


SINGLE = [
    Row("unknown_card", Reason.UNKNOWN_CARD, member=None),
    Row("blocked", Reason.BLOCKED, {"status": MemberStatus.BLOCKED}),
    Row("frozen_status", Reason.FROZEN, {"status": MemberStatus.FROZEN}),
    Row(
        "frozen_window",
        Reason.FROZEN,
        {"freezes": (Freeze(date(2026, 5, 1), date(2026, 5, 20)),)},
        detail={"frozen_until": "2026-05-20"},
    ),
    Row(
        "not_yet_valid",
        Reason.NOT_YET_VALID,
        {"entitlements": (FUTURE,)},
        detail={"valid_from": "2026-06-01"},
    ),
    Row(
        "expired",
        Reason.EXPIRED,
        {"entitlements": (EXPIRED,)},
        detail={"valid_until": "2026-05-14"},
    ),
    Row("facility_not_included", Reason.FACILITY_NOT_INCLUDED, {"entitlements": (POOL_ONLY,)}),
    Row(
        "outside_hours",
        Reason.OUTSIDE_HOURS,
        kwargs={"now": NIGHT},
        detail={"next_open_date": "2026-05-16", "next_open_time": "06:00"},
    ),
    Row("no_visits_left", Reason.NO_VISITS_LEFT, {"visits_remaining": 0}),
    Row(
        "anti_passback",
        Reason.ANTI_PASSBACK,
        kwargs={"activity": Activity(last_same_credential_at=NOW - timedelta(seconds=30))},
        detail={"retry_at": "10:02"},
    ),
    Row(
        "already_inside",
        Reason.ALREADY_INSIDE,
        kwargs={
            "activity": Activity(inside=True),
            "policy": Policy(zone=SHANGHAI, track_exits=True),
        },
    ),
    Row(
        "facility_full",
        Reason.FACILITY_FULL,
        kwargs={"activity": Activity(occupancy=50)},
        detail={"capacity": "50"},
    ),
    Row(
        "stale_data",
        Reason.STALE_DATA,
        kwargs={"data_as_of": OLD_DATA},
        detail={"data_as_of": "2026-05-12 09:00"},
    ),
]

# Two (or more) reasons apply; the row's expected reason is the one the member must hear.
PRECEDENCE = [
    Row("stale_before_unknown", Reason.STALE_DATA, None, {"data_as_of": OLD_DATA}),
    Row(
        "stale_before_expired",
        Reason.STALE_DATA,
        {"entitlements": (EXPIRED,)},
        {"data_as_of": OLD_DATA},
    ),
    Row(
        "unknown_before_outside_hours",
        Reason.UNKNOWN_CARD,
        None,
        {"now": NIGHT, "activity": Activity(occupancy=99)},
    ),
    Row(
        "blocked_before_expired",
        Reason.BLOCKED,
        {"status": MemberStatus.BLOCKED, "entitlements": (EXPIRED,)},
    ),
    Row(
        "blocked_before_facility",
        Reason.BLOCKED,
        {"status": MemberStatus.BLOCKED, "entitlements": (POOL_ONLY,)},
    ),
    Row(
        "facility_before_frozen",
        Reason.FACILITY_NOT_INCLUDED,
        {"status": MemberStatus.FROZEN, "entitlements": (POOL_ONLY,)},
    ),
    Row(
        "renewal_gap_says_when_it_starts",
        Reason.NOT_YET_VALID,
        {"entitlements": (EXPIRED, FUTURE)},
        detail={"valid_from": "2026-06-01"},
    ),
    Row(
        "latest_expiry_is_named",
        Reason.EXPIRED,
        {"entitlements": (Entitlement("gym", date(2024, 1, 1), date(2024, 12, 31)), EXPIRED)},
        detail={"valid_until": "2026-05-14"},
    ),
    Row(
        "expired_before_frozen",
        Reason.EXPIRED,
        {"status": MemberStatus.FROZEN, "entitlements": (EXPIRED,)},
    ),
    Row(
        "frozen_before_no_visits",
        Reason.FROZEN,
        {"status": MemberStatus.FROZEN, "visits_remaining": 0},
    ),
    Row(
        "expired_before_outside_hours",
        Reason.EXPIRED,
        {"entitlements": (EXPIRED,)},
        {"now": NIGHT},
    ),
    Row("no_visits_before_outside_hours", Reason.NO_VISITS_LEFT, {"visits_remaining": 0}, {"now": NIGHT}),
    Row(
        "outside_hours_before_anti_passback",
        Reason.OUTSIDE_HOURS,
        kwargs={"now": NIGHT, "activity": Activity(last_same_credential_at=NIGHT)},
    ),
    Row(
        "anti_passback_before_full",
        Reason.ANTI_PASSBACK,
        kwargs={"activity": Activity(last_same_credential_at=NOW, occupancy=50)},
    ),
    Row(
        "already_inside_before_full",
        Reason.ALREADY_INSIDE,
        kwargs={
            "activity": Activity(inside=True, occupancy=50),
            "policy": Policy(zone=SHANGHAI, track_exits=True),
        },
    ),
    Row(
        "stale_allow_gives_the_real_reason",
        Reason.EXPIRED,
        {"entitlements": (EXPIRED,)},
        {"data_as_of": OLD_DATA, "policy": Policy(zone=SHANGHAI, stale_action="allow")},
        detail={"stale": "true", "valid_until": "2026-05-14"},
    ),
]


def _decide(row: Row):
    m = None if row.member is None else member(**row.member)
    return run(m, default_member=row.member is not None, **row.kwargs)


@pytest.mark.parametrize("row", SINGLE + PRECEDENCE, ids=lambda r: r.id)
def test_reason(row: Row) -> None:
    d = _decide(row)
    assert (d.granted, d.reason) == (False, row.expected)
    assert d.message_key == f"access.denied.{row.expected.value}"
    assert d.consumes_visit is False
    assert row.detail.items() <= d.detail.items()
    for lang in ("zh_CN", "en"):
        text = render_decision(d, lang)
        for value in row.detail.values():
            if value != "true":
                assert value in text, (lang, text)


def test_every_reason_has_a_row() -> None:
    assert {r.expected for r in SINGLE} == set(Reason)


def test_the_default_tap_is_granted() -> None:
    d = run()
    assert d.granted and d.reason is None and d.message_key == "access.granted"
    assert d.member_no == "M0001" and d.display_name == "张*明"
    assert d.visits_left is None and d.consumes_visit is False
    assert "张小明" not in str(d)


def test_a_visit_package_grant_consumes_one_visit() -> None:
    d = run(member(visits_remaining=3))
    assert d.granted and d.consumes_visit and d.visits_left == 2
    assert "2" in render_decision(d, "en") and "2" in render_decision(d, "zh_CN")


def test_a_denial_does_not_touch_visits() -> None:
    d = run(member(visits_remaining=3), now=NIGHT)
    assert not d.granted and d.visits_left == 3 and not d.consumes_visit


def test_negative_visits_count_as_none_left() -> None:
    assert run(member(visits_remaining=-2)).reason is Reason.NO_VISITS_LEFT


def test_stale_allow_grants_but_flags_it() -> None:
    d = run(data_as_of=OLD_DATA, policy=Policy(zone=SHANGHAI, stale_action="allow"))
    assert d.granted and d.reason is None
    assert d.detail["stale"] == "true" and d.detail["data_as_of"] == "2026-05-12 09:00"


def test_fresh_data_has_no_stale_flag() -> None:
    assert "stale" not in run().detail


@pytest.mark.parametrize(
    ("age", "stale"),
    [(timedelta(hours=72), False), (timedelta(hours=72, microseconds=1), True)],
)
def test_stale_boundary(age: timedelta, stale: bool) -> None:
    d = run(data_as_of=NOW - age)
    assert (d.reason is Reason.STALE_DATA) is stale


def test_never_refreshed_is_stale() -> None:
    d = run(fresh=False)
    assert d.reason is Reason.STALE_DATA and "data_as_of" not in d.detail
    assert render_decision(d, "en").startswith("This kiosk's member list is out of date")


def test_data_from_the_future_counts_as_fresh() -> None:
    assert run(data_as_of=NOW + timedelta(days=30)).granted


def test_no_rule_means_always_open_and_unlimited() -> None:
    d = run(now=NIGHT, activity=Activity(occupancy=10_000), default_rule=False)
    assert d.granted


def test_unknown_status_fails_closed() -> None:
    d = run(member(status="suspended"))  # type: ignore[arg-type]
    assert d.reason is Reason.BLOCKED


def test_facility_names_match_ignoring_case_and_spaces() -> None:
    m = member(entitlements=(Entitlement(" Gym ", date(2026, 1, 1), date(2026, 12, 31)),))
    assert run(m).granted


def test_freeze_window_outside_today_does_not_freeze() -> None:
    m = member(freezes=(Freeze(date(2026, 1, 1), date(2026, 5, 14)),))
    assert run(m).granted


def test_anti_passback_retry_time_rounds_up_to_the_minute() -> None:
    last = NOW - timedelta(seconds=30, microseconds=1)  # window ends 10:01:29.999999
    d = run(activity=Activity(last_same_credential_at=last))
    assert d.detail["retry_at"] == "10:02"
    d = run(activity=Activity(last_same_credential_at=NOW - timedelta(minutes=1)))
    assert d.detail["retry_at"] == "10:01"


def test_tap_recorded_in_the_future_still_blocks_a_second_entry() -> None:
    d = run(activity=Activity(last_same_credential_at=NOW + timedelta(seconds=60)))
    assert d.reason is Reason.ANTI_PASSBACK


def test_zero_window_disables_anti_passback() -> None:
    policy = Policy(zone=SHANGHAI, anti_passback=timedelta(0))
    assert run(activity=Activity(last_same_credential_at=NOW), policy=policy).granted


def test_with_exit_tracking_the_inside_flag_decides_not_the_window() -> None:
    policy = Policy(zone=SHANGHAI, track_exits=True)
    recent = Activity(last_same_credential_at=NOW - timedelta(seconds=5), inside=False)
    assert run(activity=recent, policy=policy).granted


def test_capacity_boundary() -> None:
    assert run(activity=Activity(occupancy=49)).granted
    assert run(rule_=rule(capacity=0)).reason is Reason.FACILITY_FULL


def test_outside_hours_without_any_opening_soon_has_no_hint() -> None:
    d = run(rule_=rule(hours={}), now=NOW)
    assert d.reason is Reason.OUTSIDE_HOURS and "next_open_time" not in d.detail
    assert render_decision(d, "en") == "The facility is closed now."


@pytest.mark.parametrize("name", ["now", "data_as_of", "last"])
def test_naive_datetimes_are_rejected(name: str) -> None:
    naive = datetime(2026, 5, 15, 10, 0)
    args: dict[str, Any] = {
        "now": NOW,
        "data_as_of": NOW,
        "activity": Activity(),
    }
    if name == "last":
        args["activity"] = Activity(last_same_credential_at=naive)
    else:
        args[name] = naive
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(member(), "gym", args["now"], rule(), args["activity"], Policy(SHANGHAI), args["data_as_of"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"anti_passback": timedelta(seconds=-1)},
        {"stale_after": timedelta(0)},
        {"stale_action": "maybe"},
    ],
)
def test_bad_policy_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Policy(zone=SHANGHAI, **kwargs)


def test_policy_zone_must_be_a_zoneinfo() -> None:
    with pytest.raises(ValueError, match="ZoneInfo"):
        Policy(zone="Asia/Shanghai")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"hours": {7: ((time(6), time(22)),)}}, "weekday"),
        ({"hours": {0: ((time(6, tzinfo=SHANGHAI), time(22)),)}}, "naive"),
        ({"hours": {0: ((time(6),),)}}, "two naive"),
        ({"capacity": -1}, "capacity"),
    ],
)
def test_bad_rule_is_rejected(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rule(**changes)
