"""A member's validity as of a day, as reception reads it: an active member past their last valid
day is "expired" (never "active"), before their first "not_yet_valid"; frozen and blocked stay."""

from __future__ import annotations

from datetime import date

import pytest

from central.models import Member
from central.services.members import standing

FROM, UNTIL = date(2026, 1, 1), date(2026, 6, 30)


def member(status: str = "active") -> Member:
    return Member(member_no="M1", name="x", status=status, valid_from=FROM, valid_until=UNTIL)


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        ("active", date(2026, 3, 1), "active"),
        ("active", UNTIL, "active"),  # valid_until is inclusive
        ("active", date(2026, 7, 1), "expired"),
        ("active", FROM, "active"),
        ("active", date(2025, 12, 31), "not_yet_valid"),
        ("frozen", date(2026, 3, 1), "frozen"),
        ("frozen", date(2026, 7, 1), "frozen"),
        ("blocked", date(2026, 7, 1), "blocked"),
        ("blocked", date(2025, 12, 31), "blocked"),
    ],
)
def test_standing(status: str, today: date, expected: str) -> None:
    assert standing(member(status), today) == expected
