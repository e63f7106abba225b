"""One contract, two drivers: sim:// must behave like pcsc:// on the real stack."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Protocol

import pytest

import devices
from devices import simhub
from devices.card.sim import SimCardReader
from kiosk.app.watchdog import STALL_FLOOR_S
from tests.fixtures.pcsc import READERS, PcscDaemon, wait_card, wait_until
from tests.vcard import VirtualCard

from .taps import Taps

pytestmark = pytest.mark.integration


class Rig(Protocol):
    url: str

    def present(self, uid: str) -> None: ...
    def withdraw(self) -> None: ...
    def break_(self) -> None: ...
    def fix(self) -> None: ...


class PcscRig:
    url = "pcsc://?reader=Virtual%20PCD%2000%2000"

    def __init__(self, pcscd: PcscDaemon, vcards: Callable[..., VirtualCard]) -> None:
        self._pcscd, self._vcards = pcscd, vcards
        self._card: VirtualCard | None = None

    def present(self, uid: str) -> None:
        self._card = self._vcards(uid)
        self._card.insert()

    def withdraw(self) -> None:
        assert self._card is not None
        self._card.remove()
        wait_card(READERS[0], present=False)

    def break_(self) -> None:
        self._pcscd.kill()

    def fix(self) -> None:
        self._pcscd.start()


class SimRig:
    url = "sim://?name=contract"

    @staticmethod
    def _sim() -> SimCardReader:
        # Looked up the way the demo and e2e tests do.
        return simhub.get("card_reader", "contract")

    def present(self, uid: str) -> None:
        assert self._sim().insert(uid)

    def withdraw(self) -> None:
        self._sim().remove()

    def break_(self) -> None:
        self._sim().unplug()

    def fix(self) -> None:
        self._sim().replug()


@pytest.fixture(params=["sim", "pcsc"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "sim":
        yield SimRig()
    else:
        yield PcscRig(request.getfixturevalue("pcscd"), request.getfixturevalue("vcards"))


@pytest.fixture
def reader(rig: Rig) -> Iterator[devices.CardReader]:
    reader = devices.open_card_reader(rig.url)
    yield reader
    reader.close()


def _started(reader: devices.CardReader, taps: Callable[[devices.Tap], None]) -> None:
    reader.start(taps)
    wait_until(lambda: reader.health().is_ok, 5, "reader watching")


def test_one_event_per_presentation_in_order(rig: Rig, reader: devices.CardReader) -> None:
    taps = Taps()
    _started(reader, taps)
    rig.present("04A1B2C3")
    taps.wait_count(1)
    rig.withdraw()
    rig.present("04D5E6F7")
    # Events come in order, so an extra tap for the first card would show up before this.
    taps.wait_count(2)
    rig.withdraw()
    assert taps.uids == ["04A1B2C3", "04D5E6F7"]


def test_tap_fields(rig: Rig, reader: devices.CardReader) -> None:
    taps = Taps()
    _started(reader, taps)
    rig.present("04a1b2c3d4e5f6")
    (tap,) = taps.wait_count(1)
    rig.withdraw()
    assert tap.uid == "04A1B2C3D4E5F6"
    assert re.fullmatch(r"(?:[0-9A-F]{2})+", tap.atr)
    assert isinstance(tap.reader, str) and tap.reader
    assert tap.at.tzinfo is UTC


def test_health_transitions(rig: Rig, reader: devices.CardReader) -> None:
    assert reader.health() == devices.Health.down("not started")
    taps = Taps()
    _started(reader, taps)
    assert reader.health().reason.startswith("watching ")
    rig.break_()
    down = wait_until(lambda: (h := reader.health()).state is devices.State.DOWN and h, 5,
                      "health to go down")
    assert down.reason
    rig.fix()
    wait_until(lambda: reader.health().is_ok, 5, "health to recover")
    rig.present("04A1B2C3")
    assert taps.wait_count(1)[0].uid == "04A1B2C3"
    rig.withdraw()
    reader.stop()
    assert reader.health() == devices.Health.down("stopped")


def test_failing_handler_does_not_stop_taps(rig: Rig, reader: devices.CardReader) -> None:
    seen: list[str] = []

    def handler(tap: devices.Tap) -> None:
        seen.append(tap.uid)
        raise ValueError("application bug")

    _started(reader, handler)
    for n, uid in enumerate(("04000001", "04000002"), start=1):
        rig.present(uid)
        wait_until(lambda n=n: len(seen) >= n, 5, f"tap {n}")
        rig.withdraw()
    assert seen == ["04000001", "04000002"]
    assert reader.health().is_ok


def test_start_twice_is_a_device_error(rig: Rig, reader: devices.CardReader) -> None:
    _started(reader, Taps())
    with pytest.raises(devices.DeviceError, match="already started"):
        reader.start(Taps())


def test_a_handler_that_never_returns_is_a_stalled_loop(rig: Rig, reader: devices.CardReader) -> None:
    """What the service watchdog reads: a tap stuck in on_tap grows stalled_for, and watching
    for cards does not (pcsc:// goes round its loop at least every second)."""
    entered, release = threading.Event(), threading.Event()

    def handler(tap: devices.Tap) -> None:
        entered.set()
        release.wait(30)

    assert reader.stalled_for() == 0.0  # not started
    _started(reader, handler)
    assert reader.stalled_for() < STALL_FLOOR_S
    rig.present("04A1B2C3")
    assert entered.wait(5)
    try:
        wait_until(lambda: reader.stalled_for() > 1.5, 10, "the stuck tap to show as a stall")
    finally:
        release.set()
    wait_until(lambda: reader.stalled_for() < 1.0, 10, "the loop to go round again")
    rig.withdraw()
    reader.stop()
    assert reader.stalled_for() == 0.0
