"""Pure pieces of the entrance: locker grace, log lines, the local day boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import LockersSection
from kiosk.domain.model import Decision, Entitlement, Member, MemberStatus, Policy, Reason
from kiosk.entrance import EntranceResult, LockerBank
from kiosk.entrance.occupancy import local_midnight
from kiosk.store import Locker, PulseState
from tests.fixtures.kiosk import RecordingRelay

ZONE = ZoneInfo("Asia/Shanghai")
MEMBER = Member("M1", "张小明", MemberStatus.ACTIVE,
                (Entitlement("gym", date(2026, 1, 1), date(2026, 5, 31)),))


def _denied(reason: Reason) -> Decision:
    return Decision(False, reason, f"access.denied.{reason}", "M1", "张*明", None, False)


def _bank(grace: int = 60) -> LockerBank:
    bank = LockerBank.from_config(LockersSection(channels=(3, 4), grace_minutes=grace),
                                  RecordingRelay())
    assert bank is not None
    return bank


def test_bank_from_config_defaults_labels_and_is_none_without_channels() -> None:
    assert _bank().lockers == (Locker("1", 3), Locker("2", 4))
    assert LockerBank.from_config(LockersSection(), RecordingRelay()) is None
    labelled = LockerBank.from_config(LockersSection(channels=(3,), labels=("A-01",)),
                                      RecordingRelay())
    assert labelled is not None and labelled.order == ["A-01"]


@pytest.mark.parametrize(
    ("local", "grace", "opens"),
    [
        (datetime(2026, 5, 31, 23, 59), 60, True),  # before the end of the day
        (datetime(2026, 6, 1, 0, 59), 60, True),
        (datetime(2026, 6, 1, 1, 0), 60, False),
        (datetime(2026, 6, 1, 0, 0), 0, False),
    ],
)
def test_expiry_grace_is_counted_from_the_end_of_valid_until(local: datetime, grace: int,
                                                             opens: bool) -> None:
    now = local.replace(tzinfo=ZONE).astimezone(UTC)
    assert _bank(grace).may_open_own(MEMBER, _denied(Reason.EXPIRED), "gym", now, ZONE) is opens


@pytest.mark.parametrize("reason", list(Reason))
def test_which_denials_still_open_the_members_own_locker(reason: Reason) -> None:
    now = datetime(2026, 6, 10, tzinfo=UTC)  # long past expiry + grace
    expected = reason not in (Reason.UNKNOWN_CARD, Reason.BLOCKED, Reason.EXPIRED)
    assert _bank().may_open_own(MEMBER, _denied(reason), "gym", now, ZONE) is expected


def test_log_line_has_no_name() -> None:
    r = EntranceResult(at=datetime(2026, 1, 1, tzinfo=UTC), direction="entry", granted=True,
                       reason=None, message_key="access.granted", member_no="M1",
                       display_name="张*明", visits_left=3, locker="A-01",
                       pulse=PulseState.CONFIRMED, see_staff=False, event_uuid="u")
    assert r.log_line() == ("entry granted member_no=M1 reason=- visits_left=3 locker=A-01 "
                            "pulse=confirmed")


def test_local_midnight_follows_the_zone() -> None:
    policy = Policy(zone=ZONE)
    # 2026-06-01 01:00 UTC is 09:00 in Shanghai: the local day began at 2026-05-31 16:00 UTC.
    assert local_midnight(datetime(2026, 6, 1, 1, tzinfo=UTC), policy) == datetime(
        2026, 5, 31, 16, tzinfo=UTC)
    assert local_midnight(datetime(2026, 6, 1, 17, tzinfo=UTC), policy) == datetime(
        2026, 6, 1, 16, tzinfo=UTC)
    assert local_midnight(datetime(2026, 6, 1, 17, tzinfo=UTC), policy) - timedelta(days=1) == \
        datetime(2026, 5, 31, 16, tzinfo=UTC)
