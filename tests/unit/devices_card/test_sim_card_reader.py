"""The sim:// card reader's own behaviour (no control socket: no IO)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

import devices
from devices import simhub
from devices.card.sim import DEFAULT_ATR, SimCardReader


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


@pytest.fixture
def opened() -> Iterator[Callable[[str], tuple[SimCardReader, list[devices.Tap]]]]:
    readers: list[SimCardReader] = []

    def open_(url: str) -> tuple[SimCardReader, list[devices.Tap]]:
        reader = devices.open_card_reader(url)
        assert isinstance(reader, SimCardReader)
        readers.append(reader)
        taps: list[devices.Tap] = []
        reader.start(taps.append)
        return reader, taps

    yield open_
    for reader in readers:
        reader.close()


def test_tap_is_delivered_on_the_reader_thread(opened) -> None:
    threads: list[str] = []
    reader = devices.open_card_reader("sim://?name=t1")
    reader.start(lambda tap: threads.append(threading.current_thread().name))
    try:
        assert simhub.get("card_reader", "t1").tap("04:a1:b2:c3")
        wait_until(lambda: threads, "the callback")
        assert threads == ["sim-card-reader"]
    finally:
        reader.close()


def test_tap_fields(opened) -> None:
    reader, taps = opened("sim://?reader=Gate")
    reader.tap("04a1b2c3", atr="3b 8f")
    wait_until(lambda: taps, "a tap")
    assert (taps[0].uid, taps[0].atr, taps[0].reader) == ("04A1B2C3", "3B8F", "Gate")
    reader.tap("04a1b2c3")
    wait_until(lambda: len(taps) == 2, "a tap")
    assert taps[1].atr == DEFAULT_ATR


def test_held_card_taps_once_until_removed(opened) -> None:
    reader, taps = opened("sim://")
    assert reader.insert("04A1B2C3")
    with pytest.raises(devices.DeviceError, match="already on the reader"):
        reader.insert("04A1B2C3")
    reader.remove()
    reader.remove()  # nothing there: harmless
    assert reader.insert("04D5E6F7")
    wait_until(lambda: len(taps) == 2, "two taps")
    assert [t.uid for t in taps] == ["04A1B2C3", "04D5E6F7"]


def test_unplug_after_n_taps_until_replug(opened) -> None:
    reader, taps = opened("sim://?fail=unplug_after:2")
    assert reader.tap("04000001") and reader.tap("04000002")
    assert reader.health() == devices.Health.down("reader unplugged")
    assert not reader.tap("04000003")
    reader.replug()
    assert reader.health().is_ok
    assert reader.tap("04000004") and reader.tap("04000005")  # the fault fired once
    wait_until(lambda: len(taps) == 4, "four taps")
    assert [t.uid[-1] for t in taps] == ["1", "2", "4", "5"]


def test_unplug_after_zero_starts_unplugged(opened) -> None:
    reader, taps = opened("sim://?fail=unplug_after:0")
    assert reader.health() == devices.Health.down("reader unplugged")
    assert not reader.tap("04000001")
    reader.replug()
    assert reader.tap("04000002")
    wait_until(lambda: taps, "a tap")


def test_unplug_drops_a_card_on_the_reader(opened) -> None:
    reader, taps = opened("sim://")
    reader.insert("04000001")
    reader.unplug()
    reader.replug()
    assert reader.insert("04000002")  # no "already on the reader"


def test_tap_when_not_started_is_not_seen() -> None:
    reader = devices.open_card_reader("sim://")
    assert isinstance(reader, SimCardReader)
    assert reader.health() == devices.Health.down("not started")
    assert not reader.tap("04A1B2C3")
    reader.start(lambda tap: None)
    reader.stop()
    assert reader.health() == devices.Health.down("stopped")
    assert not reader.tap("04A1B2C3")
    with pytest.raises(LookupError):
        simhub.get("card_reader", "default")


def test_two_running_sims_cannot_share_a_name(opened) -> None:
    opened("sim://?name=gate")
    other = devices.open_card_reader("sim://?name=gate")
    with pytest.raises(devices.DeviceConfigError, match="named 'gate' is already running"):
        other.start(lambda tap: None)


def test_bad_uid_is_a_specific_error(opened) -> None:
    reader, _ = opened("sim://")
    with pytest.raises(devices.DeviceProtocolError, match="hexadecimal"):
        reader.tap("not a uid")


def test_handle_command_without_socket(opened) -> None:
    reader, taps = opened("sim://")
    assert reader.handle_command("tap 04A1B2C3") == "ok"
    assert reader.handle_command("health") == "ok: watching Simulated reader"
    assert reader.handle_command("tap 04A1B2C3 3B8F 00") == "error: usage: tap UID [ATR]"
    wait_until(lambda: taps, "a tap")


def test_stop_takes_the_card_off_the_reader(opened) -> None:
    """A card left on at stop() is gone after start(): the next insert is a new presentation."""
    reader, taps = opened("sim://?name=restart")
    assert reader.insert("04a1b2c3")
    reader.stop()
    reader.start(taps.append)
    assert reader.insert("04a1b2c3")
    wait_until(lambda: len(taps) == 2, "two taps")
