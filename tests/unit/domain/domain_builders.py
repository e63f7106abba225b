"""Builders for domain tests: a member, a rule and a policy that grant unless a test says not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.access import decide
from kiosk.domain.model import (
    Activity,
    Decision,
    Entitlement,
    FacilityRule,
    Member,
    MemberStatus,
    Policy,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 2026-05-15 10:00 in Shanghai: inside every default window below.
NOW = datetime(2026, 5, 15, 10, 0, tzinfo=SHANGHAI)
DAY_HOURS = ((time(6), time(22)),)


def member(**changes: Any) -> Member:
    base = Member(
        member_no="M0001",
        name="张小明",
        status=MemberStatus.ACTIVE,
        entitlements=(Entitlement("gym", date(2026, 1, 1), date(2026, 12, 31)),),
        freezes=(),
        visits_remaining=None,
    )
    return replace(base, **changes)


def rule(**changes: Any) -> FacilityRule:
    base = FacilityRule(
        facility="gym",
        hours={d: DAY_HOURS for d in range(7)},
        closed_days=frozenset(),
        capacity=50,
    )
    return replace(base, **changes)


def run(
    m: Member | None = None,
    *,
    now: datetime = NOW,
    facility: str = "gym",
    rule_: FacilityRule | None = None,
    activity: Activity | None = None,
    policy: Policy | None = None,
    data_as_of: datetime | None = None,
    default_member: bool = True,
    default_rule: bool = True,
    fresh: bool = True,
) -> Decision:
    """decide() with defaults that grant; pass default_member=False for an unknown card."""
    if m is None and default_member:
        m = member()
    if rule_ is None and default_rule:
        rule_ = rule()
    if data_as_of is None and fresh:
        data_as_of = now - timedelta(hours=1)
    return decide(
        m,
        facility,
        now,
        rule_,
        activity or Activity(),
        policy or Policy(zone=SHANGHAI),
        data_as_of,
    )
