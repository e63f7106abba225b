"""A busy entrance still syncs: with a tap every moment the full cycle (members pull,
heartbeat) keeps its interval, and pushes after taps never postpone it.

Measured on the demo before this rule existed: with a tap every ~10 s the worker only ever
ran the quick push, so a renewal made at central never reached the gate and the console
showed a working kiosk as late.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kiosk.sync.engine import SyncSettings
from kiosk.sync.worker import SyncWorker
from tests.fixtures.central import wait_until
from tests.fixtures.sync import KioskRig, import_members, kiosk_members, uid_of

# Taps arrive every 0.05 s, ten times faster than the full cycle's interval.
BUSY = SyncSettings(interval_s=0.5, push_delay_s=0.01, long_poll_s=0.5, backoff_base_s=0.1,
                    backoff_cap_s=0.8, token_check_s=0.1, lock_wait_s=10)
TAP_EVERY_S = 0.05


@contextmanager
def busy_worker(rig: KioskRig) -> Iterator[SyncWorker]:
    worker = SyncWorker(rig.store, rig.central_config(), BUSY)
    stop = threading.Event()

    def tapper() -> None:
        while not stop.wait(TAP_EVERY_S):
            worker.nudge()  # what every entrance result does

    worker.start()
    thread = threading.Thread(target=tapper, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(5)
        worker.stop()


def test_full_cycles_keep_their_interval_under_constant_taps(make_kiosk, sync_central) -> None:
    rig: KioskRig = make_kiosk()
    with busy_worker(rig):
        wait_until(lambda: rig.proxy.count("/api/v1/heartbeat") >= 1, 10, "the first full cycle")
        t0 = time.monotonic()
        # Three more heartbeats while nudged twenty times a second: each one a full cycle.
        wait_until(lambda: rig.proxy.count("/api/v1/heartbeat", since=t0) >= 3, 10,
                   "full cycles while the entrance is busy")


def test_a_renewal_at_central_reaches_a_busy_kiosk(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": "B1", "card_uid": uid_of(1), "valid_until": "2020-06-30"}])
    rig: KioskRig = make_kiosk()
    with busy_worker(rig):
        wait_until(lambda: "B1" in kiosk_members(rig.data_dir), 10, "the first members pull")
        import_members(sync_central, [{"member_no": "B1", "card_uid": uid_of(1),
                                       "valid_until": "2099-12-31"}])
        wait_until(lambda: str(kiosk_members(rig.data_dir)["B1"][5]) == "2099-12-31", 10,
                   "the renewal to reach the busy kiosk")
