"""Units of the sync engine without IO: backoff, wire checks on hostile answers, the event
mapping central reads, and the one-line status summary."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_client import errors, wire
from backend_client.status import one_line, summary
from kiosk.store import Event, PulseState
from kiosk.sync import outbox
from lobby_core.backoff import Backoff

GOOD_MEMBER: dict[str, Any] = {
    "member_no": "M1", "version": 3, "deleted": False, "name": "张小明", "card_uids": ["04A1B2C3"],
    "facilities": ["gym"], "valid_from": "2020-01-01", "valid_until": "2099-12-31",
    "status": "active", "visits_remaining": 2,
}


def test_backoff_doubles_within_jitter_up_to_the_cap_and_resets() -> None:
    b = Backoff(1.0, 8.0, random.Random(1))
    delays = [b.next_delay() for _ in range(6)]
    for n, d in enumerate(delays):
        ceiling = min(8.0, 2.0 ** n)
        assert ceiling / 2 <= d <= ceiling
    assert len({round(d, 6) for d in delays[3:]}) > 1  # jitter: capped waits still differ
    b.reset()
    assert 0.5 <= b.next_delay() <= 1.0
    with pytest.raises(ValueError):
        Backoff(0, 1)


def test_a_good_members_page_parses() -> None:
    page = wire.parse(wire.MembersPage, {"items": [GOOD_MEMBER], "next_cursor": 3,
                                         "has_more": False, "reset": False, "extra": 1}, "members")
    assert page.items[0].card_uids == ["04A1B2C3"]


@pytest.mark.parametrize(("field", "value"), [
    ("status", "deleted"), ("visits_remaining", -1), ("name", "x" * 101), ("version", "3a"),
    ("valid_from", "2020-13-01"), ("card_uids", "04A1B2C3"), ("member_no", ""),
])
def test_a_bad_member_field_is_a_protocol_error_naming_it(field: str, value: Any) -> None:
    body = {"items": [{**GOOD_MEMBER, field: value}], "next_cursor": 1, "has_more": False,
            "reset": False}
    with pytest.raises(errors.CentralProtocolError, match=f"items.0.{field}"):
        wire.parse(wire.MembersPage, body, "members")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_either_a_valid_answer_or_our_protocol_error(data: Any) -> None:
    for model in (wire.MembersPage, wire.EventResult, wire.UpdatesPage, wire.Keys, wire.Revocations):
        try:
            wire.parse(model, data, "x")
        except errors.CentralProtocolError as exc:
            assert "\n" not in str(exc)


def _event(**kw: Any) -> Event:
    base: dict[str, Any] = dict(uuid="9f1c4c4e-8d3a-4a53-9b1a-0c2e5e7d9a10",
                                at=datetime(2026, 6, 1, 2, tzinfo=UTC), facility="gym",
                                direction="entry", card_uid="04A1B2C3", member_no="M1",
                                granted=True, reason=None, consumed_visit=True, visits_left=0,
                                pulse_state=PulseState.CONFIRMED)
    return Event(**{**base, **kw})


def test_event_mapping_flags_a_spent_visit_and_never_sends_the_card_uid() -> None:
    item = outbox.to_wire(_event())
    assert item == {"event_id": "9f1c4c4e-8d3a-4a53-9b1a-0c2e5e7d9a10",
                    "occurred_at": "2026-06-01T02:00:00+00:00", "kind": "member_entry",
                    "outcome": "granted", "facility": "gym", "member_no": "M1",
                    "reason": outbox.VISIT_USED}
    assert "04A1B2C3" not in str(item)
    failed = outbox.to_wire(_event(pulse_state=PulseState.FAILED, consumed_visit=False))
    assert (failed["outcome"], failed["reason"]) == ("gate_failed", "relay_failed")
    denied = outbox.to_wire(_event(granted=False, reason="expired", consumed_visit=False))
    assert (denied["outcome"], denied["reason"]) == ("denied", "expired")
    odd = outbox.to_wire(_event(facility="Gym Room 2", direction="exit", member_no=None))
    assert "facility" not in odd and "member_no" not in odd and odd["kind"] == "member_exit"
    assert "locker" not in item  # no locker opened: none sent
    assert outbox.to_wire(_event(locker="A01"))["locker"] == "A01"  # the console's entrance log shows it


def test_status_summary_is_one_line() -> None:
    assert one_line("a\nb\t c") == "a b c"
    assert len(one_line("x" * 500)) == 200
    s = summary({"state": "not_authorised", "backlog": 4, "last_error": "kiosk not authorised (401)"})
    assert s == "kiosk not authorised, backlog 4, kiosk not authorised (401)"
