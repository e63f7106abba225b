"""One contract, every relay driver: sim:// must behave like modbus-rtu:// and lcus:// on real stacks.

The real boards are pymodbus's RTU server (as a Waveshare-style board) and an LCUS frame parser,
each on the far end of a socat pty pair; what they saw is checked at the board.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

import devices
from devices.relay.sim import SimRelay
from tests.fixtures.serial_pty import LcusPeer, ModbusBoard, SocatPair, modbus_url

pytestmark = pytest.mark.integration

CHANNELS = 4


@dataclass
class Rig:
    """A relay URL plus a view of the board it drives, as the board sees it."""

    url: str
    board_times_pulses: bool
    state: Callable[[int], bool]
    changes: Callable[[int], list[tuple[float, bool]]]  # (monotonic time, on) per command seen
    wait: Callable[[Callable[[], object], float], object]
    acknowledged: bool = True  # False: the board never answers, so "sent" is all we know
    opened: list[devices.Relay] = field(default_factory=list)

    def open(self) -> devices.Relay:
        relay = devices.open_relay(self.url)
        self.opened.append(relay)
        return relay


def _sim_rig() -> Rig:
    name = f"contract-{uuid.uuid4().hex[:8]}"
    holder: list[SimRelay] = []

    def board() -> SimRelay:
        if not holder:
            holder.append(devices.simhub.get("relay", name))
        return holder[0]

    def wait(pred: Callable[[], object], timeout: float) -> object:
        assert board().wait_for(pred, timeout), "sim board: condition not met"
        return True

    return Rig(
        url=f"sim://?name={name}&channels={CHANNELS}",
        board_times_pulses=False,
        state=lambda ch: board().board_state(ch),
        changes=lambda ch: [(t.at, t.on) for t in board().history() if t.channel == ch],
        wait=wait,
    )


def _modbus_rig(pair: SocatPair, board: ModbusBoard, flash: bool) -> Rig:
    return Rig(
        url=modbus_url(pair, channels=CHANNELS, flash=int(flash)),
        board_times_pulses=flash,
        state=lambda ch: board.state[ch],
        changes=lambda ch: [(c.at, c.on) for c in board.changes_of(ch)],
        wait=lambda pred, timeout: board.wait_for(pred, timeout),
    )


def _lcus_rig(pair: SocatPair, peer: LcusPeer) -> Rig:
    def changes(ch: int) -> list[tuple[float, bool]]:
        return [(f.at, f.op == 1) for f in list(peer.frames) if f.channel == ch + 1]

    return Rig(
        url=f"lcus://{pair.kiosk_end}?channels={CHANNELS}",
        board_times_pulses=False,
        state=lambda ch: peer.state.get(ch + 1, False),
        changes=changes,
        wait=lambda pred, timeout: peer.wait_for(pred, timeout),
        acknowledged=False,
    )


def _make_rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    kind = request.param
    if kind == "sim":
        made = _sim_rig()
    elif kind.startswith("modbus-rtu"):
        pair = request.getfixturevalue("socat_pair")
        made = _modbus_rig(pair, request.getfixturevalue("modbus_board"), kind.endswith("flash"))
    else:
        pair = request.getfixturevalue("socat_pair")
        made = _lcus_rig(pair, request.getfixturevalue("lcus_peer"))
    yield made
    for relay in made.opened:
        relay.close()


@pytest.fixture(params=["sim", "modbus-rtu", "modbus-rtu-flash", "lcus"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    yield from _make_rig(request)


@pytest.fixture(params=["sim", "modbus-rtu", "lcus"])
def software_rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    """Relays whose pulse we time in software (a flash board times its own)."""
    yield from _make_rig(request)


def _last_pulse(rig: Rig, channel: int) -> tuple[float, float] | None:
    """(on_at, off_at) of the last on followed by an off for `channel`, as the board saw it."""
    seen = rig.changes(channel)
    for i in range(len(seen) - 1, -1, -1):
        if seen[i][1]:
            off = next((at for at, on in seen[i + 1:] if not on), None)
            return (seen[i][0], off) if off is not None else None
    return None


def test_open_leaves_every_relay_off_and_reports_healthy(rig: Rig) -> None:
    relay = rig.open()
    assert [rig.state(ch) for ch in range(CHANNELS)] == [False] * CHANNELS
    health = relay.health()
    assert health.is_ok, health
    assert f"{CHANNELS} " in health.reason


def test_set_switches_the_board_and_read_reports_it(rig: Rig) -> None:
    relay = rig.open()
    relay.set(1, True)
    rig.wait(lambda: rig.state(1), 2)
    assert relay.read(1) is True
    assert [rig.state(ch) for ch in (0, 2, 3)] == [False, False, False]
    relay.set(1, False)
    rig.wait(lambda: not rig.state(1), 2)
    assert relay.read(1) is False


def test_pulse_closes_the_relay_for_the_asked_time(rig: Rig) -> None:
    relay = rig.open()
    relay.pulse(2, 300)
    if not rig.board_times_pulses and rig.acknowledged:
        # A software-timed pulse returns after the board acknowledged its off.
        assert rig.state(2) is False
    rig.wait(lambda: _last_pulse(rig, 2) is not None, 3)
    on_at, off_at = _last_pulse(rig, 2)  # type: ignore[misc]
    assert 0.2 <= off_at - on_at <= 0.4, f"pulse lasted {off_at - on_at:.3f} s at the board"
    assert [rig.state(ch) for ch in range(CHANNELS)] == [False] * CHANNELS


def test_all_off_switches_every_relay_off(rig: Rig) -> None:
    relay = rig.open()
    relay.set(0, True)
    relay.set(3, True)
    rig.wait(lambda: rig.state(0) and rig.state(3), 2)
    relay.all_off()
    rig.wait(lambda: not any(rig.state(ch) for ch in range(CHANNELS)), 2)
    assert [relay.read(ch) for ch in range(CHANNELS)] == [False] * CHANNELS


def test_close_switches_off_is_idempotent_and_ends_use(rig: Rig) -> None:
    relay = rig.open()
    relay.set(1, True)
    rig.wait(lambda: rig.state(1), 2)
    relay.close()
    rig.wait(lambda: not rig.state(1), 2)
    relay.close()
    with pytest.raises(devices.DeviceError, match="closed"):
        relay.pulse(1, 100)
    assert relay.health().state is devices.State.DOWN


@pytest.mark.parametrize("channel", [-1, CHANNELS, True, 1.0, "0", None])
def test_a_channel_outside_the_board_is_refused_before_any_command(rig: Rig, channel: object) -> None:
    relay = rig.open()
    before = [len(rig.changes(ch)) for ch in range(CHANNELS)]
    with pytest.raises(devices.DeviceConfigError, match="channel"):
        relay.pulse(channel, 100)  # type: ignore[arg-type]
    with pytest.raises(devices.DeviceConfigError, match="channel"):
        relay.set(channel, True)  # type: ignore[arg-type]
    assert [len(rig.changes(ch)) for ch in range(CHANNELS)] == before


@pytest.mark.parametrize("ms", [0, -5, 60_001, 2.5, True])
def test_a_bad_pulse_length_is_refused(rig: Rig, ms: object) -> None:
    relay = rig.open()
    with pytest.raises(devices.DeviceConfigError, match="pulse length"):
        relay.pulse(0, ms)  # type: ignore[arg-type]
    assert rig.state(0) is False


def test_an_exception_between_on_and_off_still_switches_off(software_rig: Rig, mocker) -> None:
    rig = software_rig
    relay = rig.open()
    mocker.patch.object(relay, "_hold", side_effect=RuntimeError("interrupted mid-pulse"))
    with pytest.raises(RuntimeError, match="interrupted mid-pulse"):
        relay.pulse(0, 5_000)
    rig.wait(lambda: len(rig.changes(0)) >= 2 and not rig.state(0), 2)
    seen = [on for _, on in rig.changes(0)]
    assert seen[-2:] == [True, False]
    assert relay.health().is_ok


def test_pulses_from_two_threads_do_not_overlap(software_rig: Rig) -> None:
    rig = software_rig
    relay = rig.open()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def pulse(channel: int) -> None:
        try:
            start.wait(5)
            relay.pulse(channel, 150)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=pulse, args=(ch,)) for ch in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    rig.wait(lambda: _last_pulse(rig, 0) and _last_pulse(rig, 1), 2)
    first, second = sorted([_last_pulse(rig, 0), _last_pulse(rig, 1)])  # type: ignore[type-var]
    assert first[1] <= second[0], f"pulses overlapped at the board: {first} {second}"
