"""The Gate gives a caller that is not a member tap (a QR pass) the card's guarantees.

The caller here records a pass's event and spends one use of the pass's account in the
Gate's transaction, and gives it back in `undo`, as the QR-pass issue will. The relay is the
real sim:// board with its `fail=unplug_after:1` fault: the first pulse works, the second
meets a board unplugged after the on went out (RelayStateUnknown), the third cannot reach
the board at all (a plain DeviceError: nothing was sent).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import devices
from devices.errors import RelayStateUnknown
from devices.relay.sim import SimRelay
from kiosk.app import Gate, Passage, Through
from kiosk.store import Event, PulseState, Store, StoreError, Tx
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import FakeClock, member_row, members_csv_bytes

pytestmark = pytest.mark.integration

CHANNEL = 3
HOLDER = "V1"  # the pass's account: a visitor with a number of uses


@dataclass
class PassPlan:
    event_uuid: str
    uses_left: int | None


class QrCaller:
    """Shaped like the coming PassEntrance: no card, no member decision, its own spend."""

    def __init__(self, gate: Gate, clock: FakeClock) -> None:
        self.gate = gate
        self.clock = clock
        self.undone: list[str] = []
        self.confirmed: list[str] = []

    def record(self, tx: Tx) -> tuple[PassPlan, Passage]:
        event_uuid = str(uuid.uuid4())
        uses_left = tx.consume_visit(HOLDER)
        tx.insert_event(Event(
            uuid=event_uuid, at=self.clock(), facility="gym", direction="entry", card_uid="",
            member_no=HOLDER, granted=True, reason=None, consumed_visit=True,
            visits_left=uses_left, pulse_state=PulseState.PENDING,
        ))

        def undo(tx: Tx) -> None:
            tx.refund_visit(HOLDER)
            self.undone.append(event_uuid)

        def on_confirm(tx: Tx) -> None:
            self.confirmed.append(event_uuid)

        return PassPlan(event_uuid, uses_left), Passage(event_uuid, refunded=True, undo=undo,
                                                        on_confirm=on_confirm)

    def scan(self) -> Through[PassPlan]:
        return self.gate.through(self.record)


@pytest.fixture
def relay() -> Iterator[SimRelay]:
    board = devices.open_relay("sim://?name=gate-qr&channels=4&fail=unplug_after:1")
    assert isinstance(board, SimRelay)
    yield board
    board.close()


@pytest.fixture
def store(kiosk_store: Store, clock: FakeClock) -> Store:
    with kiosk_store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row(HOLDER, visits=5)])).members,
                          clock())
    return kiosk_store


def _row(store: Store, event_uuid: str) -> tuple[PulseState, bool, int | None]:
    with store.read() as tx:
        ev = tx.event(event_uuid)
        holder = tx.member(HOLDER)
    assert ev is not None and holder is not None
    return ev.pulse_state, ev.consumed_visit, holder.visits_remaining


def test_a_pass_gets_the_cards_guarantees(store: Store, relay: SimRelay, clock: FakeClock,
                                          tmp_path, monkeypatch) -> None:
    gate = Gate(store, relay, CHANNEL, 50)
    caller = QrCaller(gate, clock)
    committed_at_pulse: list[list[tuple[str, str]]] = []
    real_pulse = relay.pulse

    def pulse_seen_from_another_connection(channel: int, ms: int) -> None:
        # What any other process would see at this instant: only committed rows.
        other = Store.open(tmp_path / "data")
        try:
            with other.read() as tx:
                committed_at_pulse.append([(e.uuid, e.pulse_state.value) for e in tx.events()])
        finally:
            other.close()
        real_pulse(channel, ms)

    monkeypatch.setattr(relay, "pulse", pulse_seen_from_another_connection)

    # 1. The pulse goes out: recorded before it, confirmed after it.
    first = caller.scan()
    assert committed_at_pulse[0] == [(first.plan.event_uuid, "pending")]
    assert (first.pulse, first.opened, first.error) == (PulseState.CONFIRMED, True, None)
    assert [p.channel for p in relay.pulses()] == [CHANNEL]
    assert _row(store, first.plan.event_uuid) == (PulseState.CONFIRMED, True, 4)
    assert caller.confirmed == [first.plan.event_uuid] and caller.undone == []
    assert gate.health().is_ok

    # 2. The board goes away with the on on the wire: it may have opened. Kept spent.
    second = caller.scan()
    assert committed_at_pulse[1][-1] == (second.plan.event_uuid, "pending")
    assert isinstance(second.error, RelayStateUnknown)
    assert (second.pulse, second.opened) == (PulseState.UNCONFIRMED, False)
    assert _row(store, second.plan.event_uuid) == (PulseState.UNCONFIRMED, True, 3)
    assert caller.undone == [] and caller.confirmed == [first.plan.event_uuid]
    assert not gate.health().is_ok

    # 3. The port is gone: nothing can be sent, and the use is given back.
    third = caller.scan()
    assert committed_at_pulse[2][-1] == (third.plan.event_uuid, "pending")
    assert isinstance(third.error, devices.DeviceError)
    assert not isinstance(third.error, RelayStateUnknown)
    assert third.pulse is PulseState.FAILED
    assert _row(store, third.plan.event_uuid) == (PulseState.FAILED, False, 3)
    assert caller.undone == [third.plan.event_uuid]
    assert [p.channel for p in relay.pulses()] == [CHANNEL]  # only the first one ever closed
    assert not gate.health().is_ok


def test_a_driver_bug_is_unconfirmed_not_refunded(store: Store, clock: FakeClock, mocker) -> None:
    # No real relay raises a non-DeviceError; a driver bug is the one fault a mock must play.
    board = devices.open_relay("sim://?name=gate-qr-bug&channels=4")
    try:
        mocker.patch.object(board, "pulse", side_effect=RuntimeError("driver bug"))
        caller = QrCaller(Gate(store, board, CHANNEL, 50), clock)
        out = caller.scan()
        assert (out.pulse, type(out.error)) == (PulseState.UNCONFIRMED, RuntimeError)
        assert _row(store, out.plan.event_uuid) == (PulseState.UNCONFIRMED, True, 4)
        assert caller.undone == []
    finally:
        board.close()


def test_no_passage_means_no_pulse(store: Store, relay: SimRelay) -> None:
    gate = Gate(store, relay, CHANNEL, 50)
    out = gate.through(lambda tx: ("refused", None))
    assert (out.plan, out.pulse, out.opened) == ("refused", PulseState.NONE, False)
    assert relay.history() == []


def test_health_only_reads_and_the_tick_retries_a_refused_confirm(
        store: Store, relay: SimRelay, clock: FakeClock, mocker) -> None:
    gate = Gate(store, relay, CHANNEL, 50)
    caller = QrCaller(gate, clock)
    original = Tx.set_pulse_state
    mocker.patch.object(Tx, "set_pulse_state", autospec=True,
                        side_effect=StoreError("disk I/O error"))
    out = caller.scan()
    assert (out.pulse, out.opened) == (PulseState.PENDING, True)
    mocker.patch.object(Tx, "set_pulse_state", original)
    writes = mocker.spy(store, "write")
    assert gate.health().is_ok  # the pulse went out; only the record of it waits
    assert writes.call_count == 0 and gate.unsaved == 1
    assert _row(store, out.plan.event_uuid)[0] is PulseState.PENDING
    gate.retry_unsaved()
    assert gate.unsaved == 0 and caller.confirmed == [out.plan.event_uuid]
    assert _row(store, out.plan.event_uuid)[0] is PulseState.CONFIRMED


def test_listeners_hear_every_pulse_and_can_leave(store: Store, relay: SimRelay,
                                                  clock: FakeClock) -> None:
    gate = Gate(store, relay, CHANNEL, 50)
    heard: list[Through[object]] = []
    gate.subscribe(lambda t: 1 / 0)  # a broken listener does not stop the gate
    unsubscribe = gate.subscribe(heard.append)
    first = QrCaller(gate, clock).scan()
    unsubscribe()
    QrCaller(gate, clock).scan()
    assert heard == [first]



def test_the_next_pass_records_a_refused_confirm_first(store: Store, relay: SimRelay,
                                                       clock: FakeClock, mocker) -> None:
    gate = Gate(store, relay, CHANNEL, 50)
    caller = QrCaller(gate, clock)
    original = Tx.set_pulse_state
    mocker.patch.object(Tx, "set_pulse_state", autospec=True,
                        side_effect=StoreError("disk I/O error"))
    refused = caller.scan()
    mocker.patch.object(Tx, "set_pulse_state", original)
    assert caller.confirmed == []
    caller.scan()
    assert caller.confirmed[0] == refused.plan.event_uuid and gate.unsaved == 0
    assert _row(store, refused.plan.event_uuid)[0] is PulseState.CONFIRMED
