"""PassEntrance on a real store and a recording relay: a genuine pass goes through the Gate
(event committed before the pulse, entry counted), every refusal has its reason, a relay
failure gives the entry back only when nothing went out, and the log never holds a payload."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices import DeviceError, Scan
from devices.errors import RelayStateUnknown
from kiosk.app import Gate, PassEntrance, PassResult, PassSettings
from kiosk.app.pass_entrance import PASS_ERROR, PASS_NOT_SUPPORTED
from kiosk.domain.passes import PassUsage
from kiosk.store import PulseState, Store
from kiosk.sync.outbox import to_wire
from tests.fixtures.kiosk import RecordingRelay
from tests.unit.domain.pass_builders import (
    NOW,
    OTHER_RING,
    RING,
    SHANGHAI,
    altered,
    invitation,
    keys_as_synced,
    revocations_as_synced,
    signed,
)

APB = timedelta(minutes=2)


def make_entrance(store: Store, relay: RecordingRelay, direction: str = "entry") -> PassEntrance:
    return PassEntrance(store, Gate(store, relay, channel=3, pulse_ms=300),
                        PassSettings(facility="gym", zone=SHANGHAI, anti_passback=APB,
                                     direction=direction))


@pytest.fixture
def entrance(kiosk_store: Store, recording_relay: RecordingRelay) -> PassEntrance:
    with kiosk_store.write() as tx:
        tx.put_pass_keys(keys_as_synced(RING, OTHER_RING))  # central's and a kiosk's key
    return make_entrance(kiosk_store, recording_relay)


def scan(entrance: PassEntrance, text: str, at: datetime = NOW) -> PassResult:
    return entrance.handle_scan(Scan(text, at))


def usage(store: Store, pass_id: int = 7001) -> PassUsage:
    with store.read() as tx:
        return tx.pass_usage(pass_id)


def test_a_genuine_pass_is_recorded_before_the_pulse(entrance: PassEntrance, kiosk_store: Store,
                                                     recording_relay: RecordingRelay) -> None:
    seen_at_pulse: list[object] = []

    def on_pulse(channel: int, ms: int) -> None:  # what another reader of the store sees then
        with kiosk_store.read() as tx:
            (ev,) = tx.events()
            seen_at_pulse.append((ev.pulse_state, ev.pass_id, tx.pass_usage(7001).entries))

    recording_relay.on_pulse = on_pulse
    got: list[PassResult] = []
    entrance.subscribe(got.append)
    result = scan(entrance, signed())
    assert (result.granted, result.reason, result.pulse, result.entries_left, result.pass_id) == (
        True, None, PulseState.CONFIRMED, 1, 7001)
    assert got == [result]
    assert recording_relay.pulses == [(3, 300)]
    assert seen_at_pulse == [(PulseState.PENDING, 7001, 1)]
    with kiosk_store.read() as tx:
        ev = tx.event(result.event_uuid or "")
    assert ev is not None
    assert (ev.pulse_state, ev.granted, ev.pass_id, ev.visit_id, ev.member_no, ev.card_uid,
            ev.facility, ev.consumed_visit) == (PulseState.CONFIRMED, True, 7001, 42, None, "", "gym", False)
    assert usage(kiosk_store) == PassUsage(1, NOW)
    assert to_wire(ev) == {"event_id": ev.uuid, "occurred_at": NOW.isoformat(), "kind": "visitor_entry",
                           "outcome": "granted", "facility": "gym", "pass_id": 7001, "visit_id": 42}


def test_a_pass_a_kiosk_signed_is_admitted_and_sent_without_a_visit_id(
        entrance: PassEntrance, kiosk_store: Store) -> None:
    result = scan(entrance, signed(OTHER_RING, pass_id=99, visit_id=0))
    assert result.granted
    with kiosk_store.read() as tx:
        ev = tx.event(result.event_uuid or "")
    assert ev is not None and "visit_id" not in to_wire(ev) and to_wire(ev)["pass_id"] == 99


def test_again_at_once_is_anti_passback_then_used_up(entrance: PassEntrance, kiosk_store: Store,
                                                     recording_relay: RecordingRelay) -> None:
    text = signed()
    assert scan(entrance, text).granted
    again = scan(entrance, text, NOW + APB - timedelta(seconds=1))
    assert (again.granted, again.reason, again.pass_id, again.pulse) == (
        False, "anti_passback", 7001, PulseState.NONE)
    assert scan(entrance, text, NOW + APB).entries_left == 0
    used = scan(entrance, text, NOW + 2 * APB)
    assert (used.granted, used.reason) == (False, "used_up")
    assert len(recording_relay.pulses) == 2
    assert usage(kiosk_store) == PassUsage(2, NOW + APB)
    with kiosk_store.read() as tx:
        events = tx.events()
    assert [(e.granted, e.reason, e.pulse_state) for e in events] == [
        (True, None, PulseState.CONFIRMED), (False, "anti_passback", PulseState.NONE),
        (True, None, PulseState.CONFIRMED), (False, "used_up", PulseState.NONE)]
    assert to_wire(events[3])["outcome"] == "denied" and to_wire(events[3])["reason"] == "used_up"


@pytest.mark.parametrize(("text", "at", "reason"), [
    (signed(valid_until=NOW - timedelta(minutes=10)), NOW, "expired"),
    (signed(valid_from=NOW + timedelta(minutes=10)), NOW, "not_yet_valid"),
    (signed(facilities=frozenset({"pool"})), NOW, "wrong_facility"),
])
def test_verified_refusals_are_recorded_without_a_pulse(
        entrance: PassEntrance, kiosk_store: Store, recording_relay: RecordingRelay,
        text: str, at: datetime, reason: str) -> None:
    result = scan(entrance, text, at)
    assert (result.granted, result.reason, result.pass_id) == (False, reason, 7001)
    assert recording_relay.pulses == [] and usage(kiosk_store) == PassUsage()
    with kiosk_store.read() as tx:
        (ev,) = tx.events()
    assert (ev.granted, ev.reason, ev.pass_id) == (False, reason, 7001)


def test_revoked_once_the_revocation_is_synced(entrance: PassEntrance, kiosk_store: Store) -> None:
    text = signed(entries_allowed=None)
    assert scan(entrance, text).granted
    with kiosk_store.write() as tx:
        tx.put_revocations(revocations_as_synced(7001))
    result = scan(entrance, text, NOW + timedelta(hours=1) - timedelta(minutes=5))
    assert (result.granted, result.reason) == (False, "revoked")


@pytest.mark.parametrize(("make", "reason"), [
    (lambda: "V1:7f3a-SECRET-PASS-41c2", "garbage"),
    (lambda: altered(signed()), "forged"),
    (lambda: signed(__import__("lobby_core").passes.KeyRing.generate()), "forged"),
    (lambda: invitation(), "wrong_kind"),
])
def test_no_genuine_pass_no_event_no_pulse_and_no_payload_in_the_log(
        entrance: PassEntrance, kiosk_store: Store, recording_relay: RecordingRelay,
        caplog: pytest.LogCaptureFixture, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    text = make()
    with caplog.at_level(logging.DEBUG):
        result = scan(entrance, text)
    assert (result.granted, result.reason, result.pass_id, result.event_uuid) == (False, reason, None, None)
    assert f"pass denied pass_id=- reason={reason}" in caplog.text
    assert text not in caplog.text and text[:20] not in caplog.text and text not in repr(result)
    assert recording_relay.pulses == []
    with kiosk_store.read() as tx:
        assert tx.events() == []


def test_a_genuine_pass_logs_its_id_and_never_its_text(entrance: PassEntrance,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    text = signed()
    with caplog.at_level(logging.DEBUG):
        scan(entrance, text)
    assert "pass granted pass_id=7001 reason=- entries_left=1 pulse=confirmed" in caplog.text
    assert text not in caplog.text and text[:20] not in caplog.text


def test_before_keys_are_synced_every_pass_is_forged(kiosk_store: Store,
                                                     recording_relay: RecordingRelay) -> None:
    result = scan(make_entrance(kiosk_store, recording_relay), signed())
    assert (result.granted, result.reason) == (False, "forged")
    with kiosk_store.write() as tx:
        tx.put_pass_keys(keys_as_synced(RING))  # the next sync: the same entrance now admits it
    assert scan(make_entrance(kiosk_store, recording_relay), signed()).granted


def test_a_relay_that_sent_nothing_gives_the_entry_back(entrance: PassEntrance, kiosk_store: Store,
                                                        recording_relay: RecordingRelay) -> None:
    text = signed(entries_allowed=1)
    recording_relay.fail_with = DeviceError("board unplugged")
    failed = scan(entrance, text)
    assert (failed.pulse, failed.see_staff, failed.entries_left) == (PulseState.FAILED, True, 1)
    assert usage(kiosk_store) == PassUsage(0, None)  # count and last entry as before
    recording_relay.fail_with = None
    # Neither used up nor held by anti-passback: the visitor did not get through.
    assert scan(entrance, text, NOW + timedelta(seconds=5)).pulse is PulseState.CONFIRMED
    assert usage(kiosk_store) == PassUsage(1, NOW + timedelta(seconds=5))


def test_a_relay_that_may_have_opened_keeps_the_entry_spent(
        entrance: PassEntrance, kiosk_store: Store, recording_relay: RecordingRelay) -> None:
    text = signed(entries_allowed=1)
    recording_relay.fail_with = RelayStateUnknown("no answer after the on")
    maybe = scan(entrance, text)
    assert (maybe.pulse, maybe.see_staff, maybe.entries_left) == (PulseState.UNCONFIRMED, True, 0)
    recording_relay.fail_with = None
    assert scan(entrance, text, NOW + timedelta(hours=1) - timedelta(minutes=5)).reason == "used_up"
    with kiosk_store.read() as tx:
        first = tx.events()[0]
    assert to_wire(first)["outcome"] == "unconfirmed"


def test_a_store_failure_opens_nothing(entrance: PassEntrance, kiosk_store: Store,
                                       recording_relay: RecordingRelay,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.store import StoreError

    def refuse(*_args: object, **_kw: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr("kiosk.store.store.Tx.insert_event", refuse)
    result = scan(entrance, signed())
    assert (result.granted, result.reason, result.see_staff, result.pass_id) == (
        False, PASS_ERROR, True, 7001)
    assert recording_relay.pulses == [] and usage(kiosk_store) == PassUsage()


def test_an_exit_kiosk_checks_the_visitor_out(kiosk_store: Store, recording_relay: RecordingRelay) -> None:
    # Was "does not take passes yet" (pass_not_supported): check-out replaced that answer.
    with kiosk_store.write() as tx:
        tx.put_pass_keys(keys_as_synced(RING))
    result = scan(make_entrance(kiosk_store, recording_relay, "exit"), signed())
    assert (result.granted, result.reason, result.pulse) == (True, None, PulseState.CONFIRMED)
    assert result.reason != PASS_NOT_SUPPORTED
    assert recording_relay.pulses == [(3, 300)]


def test_upkeep_forgets_long_expired_passes_at_most_hourly(kiosk_store: Store,
                                                           recording_relay: RecordingRelay) -> None:
    from tests.fixtures.kiosk import FakeClock

    with kiosk_store.write() as tx:
        tx.put_pass_keys(keys_as_synced(RING))
    clock = FakeClock(NOW)
    entrance = PassEntrance(kiosk_store, Gate(kiosk_store, recording_relay),
                            PassSettings(facility="gym", zone=SHANGHAI), clock)
    assert scan(entrance, signed()).granted  # valid until NOW + 1 h
    entrance.upkeep()
    clock.advance(days=2, hours=1)  # expired 2 days ago: still kept (a kiosk clock may lag)
    entrance.upkeep()
    assert usage(kiosk_store).entries == 1
    clock.advance(minutes=30)
    entrance.upkeep()  # past the keeping time, but within the hour since the last purge
    assert usage(kiosk_store).entries == 1
    clock.advance(minutes=31)
    entrance.upkeep()
    assert usage(kiosk_store) == PassUsage()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200) | st.builds(lambda s, i, c: s[:i] + c + s[i + 1:], st.just(signed()),
                                         st.integers(0, 121), st.characters()))
def test_no_payload_stops_the_entrance(entrance: PassEntrance, recording_relay: RecordingRelay,
                                       text: str) -> None:
    before = len(recording_relay.pulses)
    result = scan(entrance, text, NOW + timedelta(days=30))  # past the genuine pass's window
    assert not result.granted and result.reason != PASS_ERROR
    assert len(recording_relay.pulses) == before
