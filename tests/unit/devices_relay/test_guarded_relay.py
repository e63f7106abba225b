"""The shared relay safety logic (devices.relay.guarded) on an in-memory board that can fail."""

from __future__ import annotations

import threading
import time

import pytest

import devices
from devices.errors import RelayStateUnknown
from devices.relay.guarded import GuardedRelay
from lobby_core.backoff import Backoff


class FlakyRelay(GuardedRelay):
    """A board in memory; `fail_offs` offs and `fail_connects` opens fail before one works."""

    def __init__(self, channels: int = 4) -> None:
        super().__init__("flaky://", "flaky", channels, backoff=Backoff(base_s=0.05, cap_s=0.2))
        self.board = [False] * channels
        self.log: list[tuple[str, int, bool]] = []
        self.fail_offs = 0
        self.fail_offs_with: type[devices.DeviceError] = devices.DeviceTimeout
        self.fail_connects = 0
        self.unplugged = False
        self.connects = 0
        self.guard = threading.Lock()  # detects two commands on the "wire" at once

    def _connect(self) -> None:
        self.connects += 1
        if self.fail_connects:
            self.fail_connects -= 1
            raise devices.DeviceNotFound("flaky port not found")
        self.unplugged = False

    def _disconnect(self) -> None:
        pass

    def _write(self, channel: int, on: bool) -> None:
        assert self.guard.acquire(blocking=False), "two commands on the wire at once"
        try:
            if self.unplugged:
                raise devices.DeviceUnplugged("flaky port gone")
            if not on and self.fail_offs:
                self.fail_offs -= 1
                raise self.fail_offs_with("off not acknowledged")
            self.board[channel] = on
            self.log.append(("write", channel, on))
            time.sleep(0.001)
        finally:
            self.guard.release()

    def _read(self, channel: int) -> bool:
        return self.board[channel]

    def _write_all_off(self) -> None:
        if self.unplugged:
            raise devices.DeviceUnplugged("flaky port gone")
        self.board = [False] * self.channels
        self.log.append(("all_off", -1, False))


@pytest.fixture
def relay() -> FlakyRelay:
    r = FlakyRelay()
    r.open()
    return r


def test_open_switches_all_off_and_close_does_again(relay: FlakyRelay) -> None:
    assert relay.log == [("all_off", -1, False)]
    relay.set(1, True)
    relay.close()
    assert relay.board == [False] * 4
    assert relay.log[-1] == ("all_off", -1, False)


def test_an_exception_during_the_hold_still_switches_off(relay: FlakyRelay, mocker) -> None:
    mocker.patch.object(relay, "_hold", side_effect=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        relay.pulse(2, 1000)
    assert relay.log[-2:] == [("write", 2, True), ("write", 2, False)]


def test_a_failed_on_is_still_followed_by_an_off(relay: FlakyRelay, mocker) -> None:
    # The on may have reached the board even though its answer got lost.
    mocker.patch.object(FlakyRelay, "_read", side_effect=AssertionError("unused"))
    original = relay._write

    def on_fails(channel: int, on: bool) -> None:
        original(channel, on)
        if on:
            raise devices.DeviceProtocolError("garbled answer to the on")

    mocker.patch.object(relay, "_write", side_effect=on_fails)
    with pytest.raises(devices.DeviceProtocolError, match="garbled") as caught:
        relay.pulse(0, 100)
    assert isinstance(caught.value, RelayStateUnknown)  # the gate may have opened
    assert relay.board[0] is False


def test_one_failed_off_is_retried_and_the_pulse_succeeds(relay: FlakyRelay) -> None:
    relay.fail_offs = 1
    relay.pulse(3, 10)
    assert relay.board[3] is False
    assert relay.health().is_ok


def test_an_off_that_keeps_failing_is_reported_and_retried_in_the_background(
        relay: FlakyRelay) -> None:
    relay.fail_offs = 5  # more than the in-line attempts
    with pytest.raises(RelayStateUnknown, match="stuck on") as caught:
        relay.pulse(1, 10)
    assert isinstance(caught.value, devices.DeviceTimeout)
    health = relay.health()
    assert health.state is devices.State.DOWN and "stuck on (channel 1)" in health.reason
    deadline = time.monotonic() + 5
    while relay.board[1] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert relay.board[1] is False
    assert relay.health().is_ok
    relay.close()


def test_an_error_in_the_hold_wins_over_a_failed_off(relay: FlakyRelay, mocker) -> None:
    relay.fail_offs = 10**6
    mocker.patch.object(relay, "_hold", side_effect=RuntimeError("hold broke"))
    with pytest.raises(RuntimeError, match="hold broke"):
        relay.pulse(0, 10)
    assert "stuck on (channel 0)" in relay.health().reason
    relay.fail_offs = 0
    relay.close()
    assert relay.board[0] is False


def test_reopen_after_unplug_waits_out_the_backoff(relay: FlakyRelay) -> None:
    relay.unplugged = True
    relay.fail_connects = 1
    with pytest.raises(devices.DeviceUnplugged, match="port gone"):
        relay.set(0, True)  # fails, and the immediate reopen attempt fails too
    connects = relay.connects
    with pytest.raises(devices.DeviceUnplugged, match="next reopen attempt"):
        relay.set(0, True)  # within the backoff: no new attempt
    assert relay.connects == connects
    time.sleep(0.06)
    relay.set(0, True)
    assert relay.board[0] is True
    assert relay.log[-2:] == [("all_off", -1, False), ("write", 0, True)]


def test_a_port_that_is_already_back_is_reopened_and_the_command_retried(
        relay: FlakyRelay) -> None:
    relay.set(2, True)
    relay.unplugged = True  # a glitch: the descriptor is stale, but the port can be reopened
    relay.set(1, True)
    assert relay.board == [False, True, False, False]  # the reopen switched the rest off
    assert relay.connects == 2
    assert relay.health().is_ok


def test_pulses_from_many_threads_are_serialised(relay: FlakyRelay) -> None:
    errors: list[BaseException] = []

    def worker(channel: int) -> None:
        try:
            for _ in range(5):
                relay.pulse(channel, 2)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ch,)) for ch in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    writes = [entry for entry in relay.log if entry[0] == "write"]
    # Every on is immediately followed by its own off: no pulse interleaves with another.
    assert all(on[1] == off[1] and on[2] and not off[2]
               for on, off in zip(writes[::2], writes[1::2], strict=True))


@pytest.mark.parametrize("call", [
    lambda r: r.pulse(4, 100), lambda r: r.pulse(-1, 100), lambda r: r.pulse(True, 100),
    lambda r: r.pulse(0, 0), lambda r: r.pulse(0, 60_001), lambda r: r.pulse(0, 1.5),
    lambda r: r.set(0, 1), lambda r: r.set(0, "on"), lambda r: r.read(9),
])
def test_bad_arguments_are_config_errors_and_touch_nothing(relay: FlakyRelay, call) -> None:
    before = list(relay.log)
    with pytest.raises(devices.DeviceConfigError):
        call(relay)
    assert relay.log == before


def test_close_is_idempotent_and_ends_use(relay: FlakyRelay) -> None:
    relay.close()
    relay.close()
    with pytest.raises(devices.DeviceError, match="closed"):
        relay.set(0, True)
    assert relay.health() == devices.Health.down("closed")


def test_a_failed_first_open_leaves_nothing_to_reopen() -> None:
    r = FlakyRelay()
    r.fail_connects = 1
    with pytest.raises(devices.DeviceNotFound):
        r.open()
    with pytest.raises(devices.DeviceError, match="closed"):
        r.set(0, True)


def test_a_pulse_that_sent_nothing_is_a_plain_error(relay: FlakyRelay) -> None:
    relay._backoff = Backoff(base_s=60, cap_s=60)  # the second pulse surely falls in the backoff
    relay.unplugged = True
    relay.fail_connects = 10**6
    with pytest.raises(RelayStateUnknown):
        relay.pulse(0, 10)  # the on was tried on the stale port: it may have gone out
    with pytest.raises(devices.DeviceUnplugged, match="next reopen attempt") as caught:
        relay.pulse(0, 10)  # within the backoff: nothing sent
    assert not isinstance(caught.value, RelayStateUnknown)
    with pytest.raises(devices.DeviceConfigError) as bad:
        relay.pulse(9, 10)
    assert not isinstance(bad.value, RelayStateUnknown)
    assert ("write", 0, True) not in relay.log
    relay.fail_connects = 0
    relay.close()


def test_state_unknown_wraps_each_kind_once() -> None:
    a = RelayStateUnknown.of(devices.DeviceTimeout("x"))
    b = RelayStateUnknown.of(devices.DeviceTimeout("y"))
    assert type(a) is type(b) and isinstance(a, devices.DeviceTimeout)
    assert RelayStateUnknown.of(a) is a
    assert type(RelayStateUnknown.of(devices.DeviceError("z"))) is RelayStateUnknown
