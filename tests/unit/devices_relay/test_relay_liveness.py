"""A relay exchange that never returns shows in stalled_for(); a long pulse's hold does not."""

from __future__ import annotations

import threading
import time

from devices.relay.sim import SimRelay
from tests.fixtures.kiosk import wait_for


class WedgingRelay(SimRelay):
    """The simulated board, but a write can be made to hang like a USB adapter stuck in the kernel."""

    def __init__(self) -> None:
        super().__init__("sim://?name=wedge", "wedge", 2)
        self.wedge = threading.Event()
        self.release = threading.Event()

    def _write(self, channel: int, on: bool) -> None:
        if on and self.wedge.is_set():
            self.release.wait(30)
        super()._write(channel, on)


def test_a_hung_exchange_grows_stalled_for_until_it_returns() -> None:
    relay = WedgingRelay()
    relay.open()
    try:
        assert relay.stalled_for() == 0.0
        relay.wedge.set()
        worker = threading.Thread(target=relay.set, args=(0, True), daemon=True)
        worker.start()
        wait_for(lambda: relay.stalled_for() > 0.2, 10, "the wedged write to show")
        assert worker.is_alive()
        relay.release.set()
        worker.join(10)
        assert relay.stalled_for() == 0.0
        assert relay.read(0) is True
    finally:
        relay.release.set()
        relay.close()


def test_the_hold_of_a_software_timed_pulse_is_not_a_stall() -> None:
    relay = WedgingRelay()  # sim boards do not time pulses: on, hold, off
    relay.open()
    held = threading.Event()
    seen: list[float] = []
    real_hold = relay._hold

    def hold(seconds: float) -> None:
        held.set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            seen.append(relay.stalled_for())
            time.sleep(0.01)
        real_hold(0)

    relay._hold = hold  # type: ignore[method-assign]
    try:
        relay.pulse(0, 300)
        assert held.is_set() and seen
        assert max(seen) == 0.0
    finally:
        relay.close()
