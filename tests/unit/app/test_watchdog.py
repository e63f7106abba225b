"""The systemd watchdog pings only while every device loop is alive (real notify socket)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app.watchdog import STALL_FLOOR_S, ServiceWatchdog, Timing
from lobby_core.sd_notify import Notifier
from tests.fixtures.kiosk import wait_for
from tests.fixtures.notify_socket import NotifySocket


class FakeLoop:
    def __init__(self, stalled: float = 0.0) -> None:
        self.stalled = stalled
        self.asked = 0

    def stalled_for(self) -> float:
        self.asked += 1
        return self.stalled


class BrokenLoop:
    def stalled_for(self) -> float:
        raise RuntimeError("driver bug")


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[NotifySocket]:
    ns = NotifySocket(str(tmp_path / "notify.sock"))
    yield ns
    ns.close()


def watchdog(listener: NotifySocket, loops: dict[str, object], limit: float = 10.0) -> ServiceWatchdog:
    return ServiceWatchdog(Notifier(listener.address), loops,  # type: ignore[arg-type]
                           Timing(ping_every_s=0.05, stall_limit_s=limit))


def test_timing_from_systemd_interval() -> None:
    assert Timing.for_interval(20.0) == Timing(ping_every_s=5.0, stall_limit_s=10.0)
    # A short WatchdogSec never makes a healthy but slow step count as stuck.
    assert Timing.for_interval(2.0) == Timing(ping_every_s=0.5, stall_limit_s=STALL_FLOOR_S)


def test_pings_while_every_loop_is_alive(listener: NotifySocket) -> None:
    wd = watchdog(listener, {"card_reader": FakeLoop(9.9), "relay": FakeLoop()})
    assert wd.check() is True
    listener.wait("WATCHDOG", "1")


@pytest.mark.parametrize("stuck", ["card_reader", "relay", "qr_scanner"])
def test_no_ping_while_one_loop_is_stuck(listener: NotifySocket, stuck: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    loops = {name: FakeLoop() for name in ("card_reader", "relay", "qr_scanner")}
    wd = watchdog(listener, loops)
    loops[stuck].stalled = 10.5
    with caplog.at_level(logging.ERROR, logger="kiosk.app.watchdog"):
        assert wd.check() is False
        assert wd.check() is False
    assert wd.stuck() == {stuck: 10.5}
    msg = listener.wait("STATUS", "device loop stuck")
    assert msg["STATUS"] == f"device loop stuck: {stuck} stuck for 10 s"
    assert listener.count("WATCHDOG") == 0
    assert listener.count("STATUS") == 1  # said once, not at every check
    assert caplog.text.count("systemd restarts the kiosk") == 1
    # The loop comes back before systemd acted: pinging again, and systemd is told.
    loops[stuck].stalled = 0.0
    assert wd.check() is True
    listener.wait("WATCHDOG", "1")
    listener.wait("STATUS", "ready")


def test_exactly_at_the_limit_is_not_stuck(listener: NotifySocket) -> None:
    wd = watchdog(listener, {"card_reader": FakeLoop(10.0)})
    assert wd.stuck() == {}
    assert wd.check() is True


def test_a_loop_that_cannot_answer_does_not_stop_the_pings(listener: NotifySocket) -> None:
    wd = watchdog(listener, {"card_reader": FakeLoop(), "scanner": BrokenLoop()})
    assert wd.check() is True


def test_ready_starts_pinging_and_stop_says_stopping(listener: NotifySocket) -> None:
    loop = FakeLoop()
    wd = watchdog(listener, {"card_reader": loop})
    wd.ready("ready: lobby")
    assert listener.wait("READY", "1") == {"READY": "1", "STATUS": "ready: lobby"}
    listener.wait("WATCHDOG", "1", n=3)  # the pinger runs on its own
    loop.stalled = 60.0
    listener.wait("STATUS", "device loop stuck")
    asked = loop.asked
    wait_for(lambda: loop.asked >= asked + 3, 10, "three more rounds of the pinger")
    wd.stop()
    listener.wait("STOPPING", "1")
    kinds = [next(iter(m)) for m in listener.messages]
    stuck_at = next(i for i, m in enumerate(listener.messages)
                    if m.get("STATUS", "").startswith("device loop stuck"))
    assert "WATCHDOG" not in kinds[stuck_at:]
    assert kinds[-1] == "STOPPING"


def test_without_systemd_everything_is_inert() -> None:
    wd = ServiceWatchdog.from_environment({"card_reader": FakeLoop(99.0)}, environ={})
    assert wd.timing is None and not wd.notifier.enabled
    wd.ready()
    assert wd.stuck() == {} and wd.check() is False
    wd.stop()


def test_notify_without_watchdog_sends_ready_but_never_pings(listener: NotifySocket) -> None:
    wd = ServiceWatchdog.from_environment({"card_reader": FakeLoop()},
                                          environ={"NOTIFY_SOCKET": listener.address})
    assert wd.timing is None
    wd.ready()
    listener.wait("READY", "1")
    wd.stop()
    listener.wait("STOPPING", "1")
    assert listener.count("WATCHDOG") == 0


def test_environment_sets_the_timing(listener: NotifySocket) -> None:
    wd = ServiceWatchdog.from_environment(
        {"card_reader": FakeLoop()},
        environ={"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "30000000"})
    assert wd.timing == Timing(ping_every_s=7.5, stall_limit_s=15.0)
