"""Check-out at an exit kiosk on a real store: a slip opens the exit gate after its event is
committed, the event goes to central as `visitor_exit`, no entry is spent; the exit opens for
a pass a little past its end, for another facility's pass and a used-up one, and stays shut
for a pass long expired, a revoked one and anything that is not a genuine pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from devices import DeviceError, Scan
from kiosk.app import Gate, PassEntrance, PassResult, PassSettings
from kiosk.domain.passes import DEFAULT_EXIT_GRACE, PassReason, PassUsage
from kiosk.store import PulseState, Store
from kiosk.sync.outbox import to_wire
from lobby_core import passes
from tests.fixtures.kiosk import RecordingRelay
from tests.unit.domain.pass_builders import (
    NOW,
    RING,
    SHANGHAI,
    altered,
    keys_as_synced,
    revocations_as_synced,
    signed,
)

pytestmark = pytest.mark.integration
END = NOW + timedelta(hours=1)  # the builders' pass ends an hour after NOW


@pytest.fixture
def exit_gate(kiosk_store: Store, recording_relay: RecordingRelay) -> PassEntrance:
    with kiosk_store.write() as tx:
        tx.put_pass_keys(keys_as_synced(RING))
    return PassEntrance(kiosk_store, Gate(kiosk_store, recording_relay, channel=2, pulse_ms=300),
                        PassSettings(facility="lobby", zone=SHANGHAI, direction="exit"))


def scan(entrance: PassEntrance, text: str, at: datetime = NOW) -> PassResult:
    return entrance.handle_scan(Scan(text, at))


def test_a_slip_is_recorded_then_opens_the_exit_and_spends_nothing(
        exit_gate: PassEntrance, kiosk_store: Store, recording_relay: RecordingRelay) -> None:
    seen: list[tuple[PulseState, str, int]] = []

    def on_pulse(channel: int, ms: int) -> None:
        with kiosk_store.read() as tx:
            ev = tx.events()[-1]
            seen.append((ev.pulse_state, ev.direction, tx.pass_usage(7001).entries))

    recording_relay.on_pulse = on_pulse
    # A gym pass with one entry, already spent elsewhere: still let out at the lobby's exit.
    result = scan(exit_gate, signed(entries_allowed=1))
    assert (result.granted, result.reason, result.pulse, result.message_key) == (
        True, None, PulseState.CONFIRMED, "pass.goodbye")
    assert recording_relay.pulses == [(2, 300)]
    assert seen == [(PulseState.PENDING, "exit", 0)]
    with kiosk_store.read() as tx:
        ev = tx.event(result.event_uuid or "")
        assert tx.pass_usage(7001) == PassUsage()
    assert ev is not None and ev.pulse_state is PulseState.CONFIRMED
    wire = to_wire(ev)
    assert (wire["kind"], wire["outcome"], wire["pass_id"], wire["visit_id"]) == (
        "visitor_exit", "granted", 7001, 42)
    # Scanned again at once (a double read): no anti-passback at an exit, it opens again.
    assert scan(exit_gate, signed(entries_allowed=1), NOW + timedelta(seconds=5)).granted
    assert len(recording_relay.pulses) == 2 and seen[-1] == (PulseState.PENDING, "exit", 0)


def test_expired_by_a_little_goes_out_long_expired_does_not(
        exit_gate: PassEntrance, recording_relay: RecordingRelay) -> None:
    skew = passes.DEFAULT_SKEW
    assert scan(exit_gate, signed(), END + timedelta(hours=2)).granted
    assert scan(exit_gate, signed(), END + skew + DEFAULT_EXIT_GRACE - timedelta(seconds=1)).granted
    late = scan(exit_gate, signed(), END + skew + DEFAULT_EXIT_GRACE)
    assert (late.granted, late.reason, late.pulse) == (False, PassReason.EXPIRED.value, PulseState.NONE)
    assert len(recording_relay.pulses) == 2


def test_revoked_and_not_genuine_stay_shut(exit_gate: PassEntrance, kiosk_store: Store,
                                           recording_relay: RecordingRelay) -> None:
    assert scan(exit_gate, altered(signed())).reason == PassReason.FORGED.value
    assert scan(exit_gate, "hello").reason == PassReason.GARBAGE.value
    with kiosk_store.write() as tx:
        tx.put_revocations(revocations_as_synced(7001))
    refused = scan(exit_gate, signed())
    assert (refused.granted, refused.reason) == (False, PassReason.REVOKED.value)
    assert recording_relay.pulses == []
    with kiosk_store.read() as tx:
        (ev,) = tx.events()  # only the genuine pass left a (refused) event
    assert (ev.granted, ev.direction, to_wire(ev)["kind"], to_wire(ev)["outcome"]) == (
        False, "exit", "visitor_exit", "denied")


def test_a_relay_that_failed_leaves_a_gate_failed_exit(exit_gate: PassEntrance, kiosk_store: Store,
                                                        recording_relay: RecordingRelay) -> None:
    recording_relay.fail_with = DeviceError("board unplugged")
    result = scan(exit_gate, signed())
    assert (result.granted, result.pulse, result.see_staff) == (True, PulseState.FAILED, True)
    with kiosk_store.read() as tx:
        (ev,) = tx.events()
        assert tx.pass_usage(7001) == PassUsage()
    assert to_wire(ev)["outcome"] == "gate_failed"  # central does not check the visitor out
