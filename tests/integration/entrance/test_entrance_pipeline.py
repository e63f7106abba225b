"""The member entrance (MemberEntrance on the Gate) on a real store: decision, durable event
before the pulse, relay faults, lockers and exits. The relay is an in-process recorder (its
faults are injected)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import devices
from devices.errors import RelayStateUnknown
from kiosk.app import EntranceSettings, Gate, MemberEntrance
from kiosk.domain.model import FacilityRule, Policy
from kiosk.entrance import EntranceResult, LockerBank
from kiosk.store import Locker, PulseState, Store, StoreError, Tx
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import FakeClock, RecordingRelay, member_row, members_csv_bytes

ZONE = ZoneInfo("Asia/Shanghai")
GATE = 7
LOCKER_RELAY_CHANNELS = (10, 11)

VALID, UNKNOWN, EXPIRED, FROZEN, NO_VISITS, ONE_VISIT, BLOCKED = (
    "04A1B2C3", "0BADCAFE", "04E1E2E3", "04F1F2F3", "04D1D2D3", "04C1C2C3", "04B1B2B3")


def _members(store: Store, now: datetime) -> None:
    parsed = parse_csv(members_csv_bytes([
        member_row("M1", VALID, name="张小明"),
        member_row("M2", EXPIRED, name="Expired Person", valid_until="2026-05-31"),
        member_row("M3", FROZEN, status="frozen"),
        member_row("M4", NO_VISITS, visits=0),
        member_row("M5", ONE_VISIT, visits=1),
        member_row("M6", BLOCKED, status="blocked"),
    ]))
    with store.write() as tx:
        tx.import_members(parsed.members, now)


def _tap(uid: str, clock: FakeClock) -> devices.Tap:
    return devices.Tap(uid=uid, atr="", reader="test", at=clock())


@pytest.fixture
def make_pipeline(kiosk_store: Store, clock: FakeClock, recording_relay: RecordingRelay):
    _members(kiosk_store, clock())

    def make(*, direction: str = "entry", lockers: bool = False, track_exits: bool = False,
             grace_minutes: int = 60) -> MemberEntrance:
        bank = None
        if lockers:
            bank = LockerBank(relay=recording_relay,
                              lockers=(Locker("L1", LOCKER_RELAY_CHANNELS[0]),
                                       Locker("L2", LOCKER_RELAY_CHANNELS[1])),
                              pulse_ms=300, grace=timedelta(minutes=grace_minutes))
            with kiosk_store.write() as tx:
                tx.configure_lockers(bank.lockers)
        settings = EntranceSettings(facility="gym", direction=direction,
                                    policy=Policy(zone=ZONE, track_exits=track_exits))
        gate = Gate(kiosk_store, recording_relay, GATE, 400)
        return MemberEntrance(kiosk_store, gate, settings, bank, clock=clock)

    return make


def _event(store: Store, result: EntranceResult):
    with store.read() as tx:
        assert result.event_uuid is not None
        ev = tx.event(result.event_uuid)
    assert ev is not None
    return ev


def test_grant_records_then_pulses_then_confirms(make_pipeline, kiosk_store: Store,
                                                 clock: FakeClock, recording_relay) -> None:
    p = make_pipeline()
    seen_at_pulse: list[PulseState] = []

    def on_pulse(channel: int, ms: int) -> None:
        # The event must already be committed, and still pending, when the relay moves.
        with kiosk_store.read() as tx:
            seen_at_pulse.extend(e.pulse_state for e in tx.events())

    recording_relay.on_pulse = on_pulse
    published: list[EntranceResult] = []
    p.subscribe(published.append)
    r = p.handle_tap(_tap(VALID, clock))
    assert (r.granted, r.reason, r.member_no, r.display_name) == (True, None, "M1", "张*明")
    assert recording_relay.pulses == [(GATE, 400)]
    assert seen_at_pulse == [PulseState.PENDING]
    assert r.pulse is PulseState.CONFIRMED and published == [r]
    ev = _event(kiosk_store, r)
    assert (ev.granted, ev.pulse_state, ev.member_no, ev.card_uid) == (
        True, PulseState.CONFIRMED, "M1", VALID)


@pytest.mark.parametrize(
    ("uid", "reason"),
    [(UNKNOWN, "unknown_card"), (EXPIRED, "expired"), (FROZEN, "frozen"),
     (NO_VISITS, "no_visits_left"), (BLOCKED, "blocked")],
)
def test_denials_record_an_event_and_never_pulse(make_pipeline, kiosk_store: Store,
                                                 clock: FakeClock, recording_relay,
                                                 uid: str, reason: str) -> None:
    r = make_pipeline().handle_tap(_tap(uid, clock))
    assert (r.granted, r.reason, r.pulse) == (False, reason, PulseState.NONE)
    assert r.message_key == f"access.denied.{reason}"
    assert recording_relay.pulses == []
    ev = _event(kiosk_store, r)
    assert (ev.granted, ev.reason, ev.pulse_state) == (False, reason, PulseState.NONE)


def test_outside_hours_and_full(make_pipeline, kiosk_store: Store, clock: FakeClock,
                                recording_relay) -> None:
    p = make_pipeline()
    with kiosk_store.write() as tx:  # Monday 10:00 local; open only 18:00-22:00
        tx.put_facility_rule(FacilityRule("gym", hours={0: ((time(18), time(22)),)}), "config")
    assert p.handle_tap(_tap(VALID, clock)).reason == "outside_hours"
    with kiosk_store.write() as tx:
        tx.put_facility_rule(FacilityRule("gym", hours={d: ((time(0), time(0)),) for d in range(7)},
                                          capacity=1), "config")
    assert p.handle_tap(_tap(VALID, clock)).granted
    assert p.handle_tap(_tap(ONE_VISIT, clock)).reason == "facility_full"
    assert recording_relay.pulses == [(GATE, 400)]


def test_visit_package_is_spent_in_the_event_transaction(make_pipeline, kiosk_store: Store,
                                                         clock: FakeClock) -> None:
    p = make_pipeline()
    r = p.handle_tap(_tap(ONE_VISIT, clock))
    assert (r.granted, r.visits_left) == (True, 0)
    assert _event(kiosk_store, r).consumed_visit
    clock.advance(minutes=10)
    assert p.handle_tap(_tap(ONE_VISIT, clock)).reason == "no_visits_left"
    with kiosk_store.read() as tx:
        assert tx.member("M5").visits_remaining == 0  # type: ignore[union-attr]


def test_anti_passback_window(make_pipeline, clock: FakeClock, recording_relay) -> None:
    p = make_pipeline()
    assert p.handle_tap(_tap(VALID, clock)).granted
    clock.advance(seconds=60)
    assert p.handle_tap(_tap(VALID, clock)).reason == "anti_passback"
    clock.advance(seconds=61)
    assert p.handle_tap(_tap(VALID, clock)).granted
    assert len(recording_relay.pulses) == 2


def test_relay_error_fails_the_event_refunds_the_visit_and_sends_to_staff(
        make_pipeline, kiosk_store: Store, clock: FakeClock, recording_relay) -> None:
    p = make_pipeline()
    recording_relay.fail_with = devices.DeviceTimeout("relay board did not answer")
    r = p.handle_tap(_tap(ONE_VISIT, clock))
    assert (r.granted, r.pulse, r.see_staff, r.visits_left) == (True, PulseState.FAILED, True, 1)
    ev = _event(kiosk_store, r)
    assert (ev.pulse_state, ev.consumed_visit) == (PulseState.FAILED, False)
    with kiosk_store.read() as tx:
        assert tx.member("M5").visits_remaining == 1  # type: ignore[union-attr]
    assert not p.health().is_ok and "did not answer" in p.health().reason
    # A failed pulse is not an entry: the member may try again at once.
    recording_relay.fail_with = None
    r2 = p.handle_tap(_tap(ONE_VISIT, clock))
    assert (r2.granted, r2.pulse, r2.visits_left) == (True, PulseState.CONFIRMED, 0)
    assert p.health().is_ok


def test_death_between_record_and_pulse_leaves_pulse_unconfirmed(
        make_pipeline, tmp_path: Path, clock: FakeClock, recording_relay) -> None:
    p = make_pipeline()

    class Died(BaseException):
        pass

    def die(channel: int, ms: int) -> None:
        raise Died()

    recording_relay.on_pulse = die
    with pytest.raises(Died):
        p.handle_tap(_tap(ONE_VISIT, clock))
    reopened = Store.open(tmp_path / "data")
    assert reopened.recover_unconfirmed() == 1  # what the next kiosk run does at start
    with reopened.read() as tx:
        (ev,) = tx.events()
        assert (ev.member_no, ev.pulse_state, ev.consumed_visit) == (
            "M5", PulseState.UNCONFIRMED, True)
        assert tx.member("M5").visits_remaining == 0  # type: ignore[union-attr]
    reopened.close()


def test_store_failure_opens_nothing(make_pipeline, clock: FakeClock, recording_relay,
                                     mocker) -> None:
    p = make_pipeline()
    mocker.patch("kiosk.store.store.Tx.member_by_uid", side_effect=StoreError("disk I/O error"))
    r = p.handle_tap(_tap(VALID, clock))
    assert (r.granted, r.see_staff, r.event_uuid, r.message_key) == (
        False, True, None, "access.error")
    assert recording_relay.pulses == []


def test_a_failing_listener_does_not_stop_the_gate(make_pipeline, clock: FakeClock,
                                                   recording_relay) -> None:
    p = make_pipeline()
    got: list[EntranceResult] = []
    p.subscribe(lambda r: 1 / 0)
    unsubscribe = p.subscribe(got.append)
    assert p.handle_tap(_tap(VALID, clock)).granted
    unsubscribe()
    clock.advance(minutes=5)
    p.handle_tap(_tap(VALID, clock))
    assert len(got) == 1 and len(recording_relay.pulses) == 2


def test_log_has_member_no_and_reason_never_name_or_uid(make_pipeline, clock: FakeClock,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    p = make_pipeline()
    with caplog.at_level(logging.DEBUG):
        for uid in (VALID, EXPIRED, UNKNOWN):
            p.handle_tap(_tap(uid, clock))
    text = caplog.text
    assert "member_no=M1 reason=-" in text and "member_no=M2 reason=expired" in text
    for secret in ("张小明", "张*明", "Expired", VALID, EXPIRED, UNKNOWN):
        assert secret not in text


def test_lockers_assigned_on_grant_kept_and_released_on_exit(make_pipeline, kiosk_store: Store,
                                                             clock: FakeClock,
                                                             recording_relay) -> None:
    entry = make_pipeline(lockers=True)
    r1 = entry.handle_tap(_tap(VALID, clock))
    r2 = entry.handle_tap(_tap(ONE_VISIT, clock))
    assert (r1.locker, r2.locker) == ("L1", "L2")
    assert recording_relay.pulses == [(GATE, 400), (10, 300), (GATE, 400), (11, 300)]
    clock.advance(minutes=5)
    r3 = entry.handle_tap(_tap(VALID, clock))  # second entry: the same locker again
    assert r3.locker == "L1"
    recording_relay.pulses.clear()
    exit_ = make_pipeline(direction="exit", lockers=True)
    out = exit_.handle_tap(_tap(VALID, clock))
    assert (out.direction, out.granted, out.locker, out.message_key) == (
        "exit", True, "L1", "exit.granted")
    assert recording_relay.pulses == [(GATE, 400), (10, 300)]
    with kiosk_store.read() as tx:
        assert tx.lockers() == {"L1": None, "L2": "M5"}
        assert _event(kiosk_store, out).direction == "exit"
    assert exit_.handle_tap(_tap(UNKNOWN, clock)).reason == "unknown_card"


@pytest.mark.parametrize("error", [devices.DeviceError("gate jammed"),
                                   RelayStateUnknown("no answer to the on")])
def test_an_exit_whose_gate_fails_keeps_the_members_locker(
        make_pipeline, kiosk_store: Store, clock: FakeClock, recording_relay,
        error: devices.DeviceError) -> None:
    entry = make_pipeline(lockers=True, track_exits=True)
    exit_ = make_pipeline(direction="exit", lockers=True, track_exits=True)
    assert entry.handle_tap(_tap(VALID, clock)).locker == "L1"
    clock.advance(minutes=30)
    recording_relay.pulses.clear()
    recording_relay.fail_with = error
    out = exit_.handle_tap(_tap(VALID, clock))
    assert out.see_staff and recording_relay.pulses == []  # neither gate nor locker opened
    assert out.detail.get("locker_failed") == "true"
    with kiosk_store.read() as tx:
        assert tx.lockers() == {"L1": "M1", "L2": None}
    recording_relay.fail_with = None
    clock.advance(minutes=5)
    # The next member does not get M1's locker, full of M1's things.
    assert entry.handle_tap(_tap(ONE_VISIT, clock)).locker == "L2"
    # M1 is still inside (a failed exit is no exit; an unconfirmed one may be).
    again = entry.handle_tap(_tap(VALID, clock))
    if isinstance(error, RelayStateUnknown):
        assert again.granted and again.locker == "L1"
    else:
        assert again.reason == "already_inside"


def test_no_free_locker_still_grants(make_pipeline, clock: FakeClock) -> None:
    entry = make_pipeline(lockers=True)
    entry.handle_tap(_tap(VALID, clock))
    entry.handle_tap(_tap(ONE_VISIT, clock))
    with entry.store.write() as tx:
        tx.configure_lockers([Locker("L1", 10)])  # shrink the bank: both taken
    entry.lockers = LockerBank(entry.gate.relay, (Locker("L1", 10),), 300, timedelta(minutes=60))
    with entry.store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row("M9", "04999999")])).members,
                          clock())
    r = entry.handle_tap(_tap("04999999", clock))
    assert r.granted and r.locker is None and r.detail["locker"] == "none_free"


@pytest.mark.parametrize("facility", ["gym", "Gym "])  # the kiosk's spelling may differ
@pytest.mark.parametrize(("minutes_after_expiry", "opens"), [(30, True), (61, False)])
def test_expired_member_may_open_own_locker_within_grace(make_pipeline, kiosk_store: Store,
                                                         recording_relay, minutes_after_expiry: int,
                                                         opens: bool, facility: str) -> None:
    # M2's membership ends 2026-05-31 (inclusive): at 2026-06-01 00:00 local.
    expiry = datetime(2026, 6, 1, tzinfo=ZONE)
    entry = make_pipeline(lockers=True)
    entry.settings = replace(entry.settings, facility=facility)
    with kiosk_store.write() as tx:
        tx.assign_locker("M2", ["L1", "L2"], expiry.astimezone(UTC) - timedelta(hours=1))
    entry.clock = FakeClock(expiry.astimezone(UTC) + timedelta(minutes=minutes_after_expiry))
    r = entry.handle_tap(devices.Tap(EXPIRED, "", "t", entry.clock()))
    assert (r.granted, r.reason) == (False, "expired")
    assert recording_relay.pulses == ([(10, 300)] if opens else [])
    assert r.locker == ("L1" if opens else None)


def test_blocked_member_never_opens_a_locker(make_pipeline, kiosk_store: Store, clock: FakeClock,
                                             recording_relay) -> None:
    entry = make_pipeline(lockers=True)
    with kiosk_store.write() as tx:
        tx.assign_locker("M6", ["L1"], clock())
    assert entry.handle_tap(_tap(BLOCKED, clock)).locker is None
    assert recording_relay.pulses == []


def test_exits_feed_already_inside_when_tracked(make_pipeline, clock: FakeClock) -> None:
    entry = make_pipeline(track_exits=True)
    exit_ = make_pipeline(direction="exit", track_exits=True)
    assert entry.handle_tap(_tap(VALID, clock)).granted
    clock.advance(minutes=30)
    assert entry.handle_tap(_tap(VALID, clock)).reason == "already_inside"
    assert exit_.handle_tap(_tap(VALID, clock)).granted
    clock.advance(minutes=1)
    assert entry.handle_tap(_tap(VALID, clock)).granted


def test_a_confirm_the_store_refused_is_retried_and_then_synced(
        make_pipeline, kiosk_store: Store, clock: FakeClock, recording_relay, mocker) -> None:
    p = make_pipeline(lockers=True)
    exit_ = make_pipeline(direction="exit", lockers=True)
    assert p.handle_tap(_tap(VALID, clock)).locker == "L1"
    clock.advance(minutes=30)
    original = Tx.set_pulse_state
    mocker.patch.object(Tx, "set_pulse_state", autospec=True,
                        side_effect=StoreError("disk I/O error"))
    out = exit_.handle_tap(_tap(VALID, clock))
    assert recording_relay.pulses[-2:] == [(GATE, 400), (10, 300)]  # gate and locker opened
    assert out.pulse is PulseState.PENDING
    assert _event(kiosk_store, out).pulse_state is PulseState.PENDING
    exit_.gate.retry_unsaved()  # the store still fails: kept for later
    mocker.patch.object(Tx, "set_pulse_state", original)
    with kiosk_store.read() as tx:
        assert out.event_uuid not in {e.uuid for e in tx.outbox()}  # pending is never sent
        assert tx.lockers()["L1"] == "M1"
    exit_.gate.retry_unsaved()  # the kiosk's once-a-second tick retries it
    assert _event(kiosk_store, out).pulse_state is PulseState.CONFIRMED
    with kiosk_store.read() as tx:
        assert out.event_uuid in {e.uuid for e in tx.outbox()}
        assert tx.lockers()["L1"] is None  # the exit's locker is freed with the confirm


@pytest.mark.parametrize("track_exits", [True, False])
def test_inside_and_occupancy_carry_over_local_midnight(make_pipeline, kiosk_store: Store,
                                                         track_exits: bool) -> None:
    p = make_pipeline(track_exits=track_exits)
    with kiosk_store.write() as tx:
        tx.put_facility_rule(FacilityRule("gym", hours={d: ((time(0), time(0)),) for d in range(7)},
                                          capacity=1), "config")
    p.clock = FakeClock(datetime(2026, 6, 1, 23, 58, tzinfo=ZONE).astimezone(UTC))
    assert p.handle_tap(_tap(VALID, p.clock)).granted
    p.clock.advance(minutes=3)  # 00:01 the next local day, past the anti-passback window
    again = p.handle_tap(_tap(VALID, p.clock))
    other = p.handle_tap(_tap(ONE_VISIT, p.clock))
    # Without exit tracking the 23:58 entry still fills the one place for ASSUMED_STAY.
    assert again.reason == ("already_inside" if track_exits else "facility_full")
    assert other.reason == "facility_full"
    # A member who never tapped out is not kept inside for good.
    p.clock.advance(hours=13)
    assert p.handle_tap(_tap(ONE_VISIT, p.clock)).granted
