"""The pcsc:// reader loop against a fake scard module: faults the real stack can't give."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from smartcard import scard as real

import devices
from devices.card import pcsc
from devices.card.pcsc import PcscCardReader
from lobby_core.backoff import Backoff

from .fake_pcsc import FakeScard

R0, R1 = "Fake Reader 0", "Fake Reader 1"


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def record_health(reader: PcscCardReader, mocker) -> list[devices.Health]:
    """Every health the loop sets, so a transient state cannot slip past between polls."""
    seen: list[devices.Health] = []
    original = reader._set_health
    mocker.patch.object(reader, "_set_health",
                        side_effect=lambda run, h: (seen.append(h), original(run, h))[1])
    return seen


class Recorder:
    def __init__(self) -> None:
        self.taps: list[devices.Tap] = []
        self.lock = threading.Lock()

    def __call__(self, tap: devices.Tap) -> None:
        with self.lock:
            self.taps.append(tap)

    @property
    def uids(self) -> list[str]:
        with self.lock:
            return [t.uid for t in self.taps]


@pytest.fixture
def fake(mocker) -> FakeScard:
    fake = FakeScard()
    mocker.patch.object(pcsc, "scard", fake)
    return fake


@pytest.fixture
def make_reader(fake: FakeScard) -> Iterator[Callable[..., tuple[PcscCardReader, Recorder]]]:
    readers: list[PcscCardReader] = []

    def make(prefix: str | None = None, on_tap: Callable | None = None,
             wait_ok: bool = True) -> tuple[PcscCardReader, Recorder]:
        reader = PcscCardReader("pcsc://", prefix, backoff=Backoff(0.001, 0.01))
        readers.append(reader)
        rec = Recorder()
        reader.start(on_tap or rec)
        if wait_ok:
            wait_until(lambda: reader.health().is_ok, "reader watching")
        return reader, rec

    yield make
    for reader in readers:
        reader.stop()


def test_one_tap_per_presentation_despite_in_use_state_changes(fake, make_reader) -> None:
    reader, rec = make_reader()
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids, "a tap")
    fake.remove(R0)
    fake.insert(R0, bytes.fromhex("04D5E6F7"))
    wait_until(lambda: len(rec.uids) == 2, "second tap")
    assert rec.uids == ["04A1B2C3", "04D5E6F7"]
    assert fake.connects == 2  # INUSE flips from our own connect never cause a re-read


def test_another_application_using_the_card_is_not_a_new_tap(fake, make_reader) -> None:
    reader, rec = make_reader()
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids, "a tap")
    connects = fake.connects
    with fake.cond:  # someone else connects: INUSE, same event counter
        fake.in_use[R0] = True
        fake.cond.notify_all()
    fake.remove(R0)
    fake.insert(R0, bytes.fromhex("04D5E6F7"))
    wait_until(lambda: len(rec.uids) == 2, "second tap")
    assert rec.uids == ["04A1B2C3", "04D5E6F7"]
    assert fake.connects == connects + 1


def test_remove_and_represent_between_two_waits_counts_as_a_new_presentation(
    fake, make_reader
) -> None:
    reader, rec = make_reader()
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids, "first tap")
    fake.swap(R0, bytes.fromhex("04D5E6F7"))
    wait_until(lambda: len(rec.uids) == 2, "second tap")
    assert rec.uids == ["04A1B2C3", "04D5E6F7"]


def test_reader_unplug_and_replug(fake, make_reader) -> None:
    reader, rec = make_reader(prefix="fake reader 0")
    fake.unplug(R0)
    wait_until(lambda: reader.health().reason == "no reader matching 'fake reader 0'",
               "health to name the missing reader")
    assert reader.health().state is devices.State.DOWN
    fake.plug(R0)
    wait_until(lambda: reader.health().is_ok, "reader back")
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids == ["04A1B2C3"], "a tap after replug")


def test_unplug_seen_as_unknown_state_reports_reader_unplugged(fake, make_reader, mocker) -> None:
    reader, _ = make_reader()
    seen = record_health(reader, mocker)
    with fake.cond:
        fake.readers.remove(R0)
        fake.cond.notify_all()
    wait_until(lambda: devices.Health.down("reader unplugged") in seen, "reader unplugged")


def test_no_reader_at_all(fake, make_reader) -> None:
    fake.readers.clear()
    reader, _ = make_reader(wait_ok=False)
    wait_until(lambda: reader.health() == devices.Health.down("no card reader connected"),
               "health down")


def test_service_down_and_back(fake, make_reader) -> None:
    reader, rec = make_reader()
    fake.set_service(False)
    wait_until(lambda: reader.health() == devices.Health.down("PC/SC service not running"),
               "service down")
    fake.set_service(True)
    wait_until(lambda: reader.health().is_ok, "service back")
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids == ["04A1B2C3"], "a tap")


def test_first_reader_is_watched_without_prefix(fake, make_reader) -> None:
    reader, _ = make_reader()
    assert reader.reader_name == R0
    assert reader.health() == devices.Health.ok(f"watching {R0}")


def test_unexpected_library_exception_restarts_the_loop(fake, make_reader, caplog) -> None:
    fake.list_exceptions.append(TypeError("in method 'SCardListReaders'"))
    with caplog.at_level(logging.ERROR, logger="devices.card.pcsc"):
        reader, rec = make_reader()
    assert any("restarting" in r.getMessage() for r in caplog.records)
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids == ["04A1B2C3"], "a tap after the restart")


def test_failing_callback_is_logged_and_loop_continues(fake, make_reader, caplog) -> None:
    calls: list[str] = []

    def on_tap(tap: devices.Tap) -> None:
        calls.append(tap.uid)
        raise RuntimeError("boom")

    reader, _ = make_reader(on_tap=on_tap)
    with caplog.at_level(logging.INFO, logger="devices.card"):
        fake.insert(R0, bytes.fromhex("04A1B2C3"))
        wait_until(lambda: calls, "first call")
        fake.remove(R0)
        fake.insert(R0, bytes.fromhex("04D5E6F7"))
        wait_until(lambda: len(calls) == 2, "second call")
    assert reader.health().is_ok
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "****B2C3" in messages and "04A1B2C3" not in messages


@pytest.mark.parametrize(
    ("answer", "log_text"),
    [
        ((real.SCARD_S_SUCCESS, [0x6D, 0x00]), "SW 6D00"),
        ((real.SCARD_S_SUCCESS, []), "empty answer"),
        ((real.SCARD_S_SUCCESS, [0x01, 0x02, 0x90, 0x00]), "unusable UID"),
        ((real.SCARD_W_REMOVED_CARD, []), "left before"),
        ((real.SCARD_E_NOT_TRANSACTED, []), "left before"),
        ((real.SCARD_E_INVALID_VALUE, []), "Invalid"),
    ],
)
def test_card_answers_that_are_not_a_tap(fake, make_reader, caplog, answer, log_text) -> None:
    reader, rec = make_reader()
    fake.transmit_answers.append(answer)
    with caplog.at_level(logging.DEBUG, logger="devices.card.pcsc"):
        fake.insert(R0, bytes.fromhex("04A1B2C3"))
        wait_until(lambda: any(log_text in r.getMessage() for r in caplog.records),
                   f"log {log_text!r}")
    fake.remove(R0)
    fake.insert(R0, bytes.fromhex("04D5E6F7"))
    wait_until(lambda: rec.uids, "the next tap")
    assert rec.uids == ["04D5E6F7"]
    assert reader.health().is_ok


def test_retryable_connect_error_then_success_is_one_tap(fake, make_reader) -> None:
    reader, rec = make_reader()
    fake.connect_errors.extend([real.SCARD_W_UNPOWERED_CARD, real.SCARD_E_SHARING_VIOLATION])
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: rec.uids, "a tap")
    assert rec.uids == ["04A1B2C3"]
    assert fake.connects == 3


def test_retry_gives_up_after_three_attempts(fake, make_reader, caplog) -> None:
    reader, rec = make_reader()
    fake.connect_errors.extend([real.SCARD_W_UNPOWERED_CARD] * 3)
    with caplog.at_level(logging.WARNING, logger="devices.card.pcsc"):
        fake.insert(R0, bytes.fromhex("04A1B2C3"))
        wait_until(lambda: fake.connects == 3 and caplog.records, "three attempts")
    assert "card not read" in caplog.records[-1].getMessage()
    assert rec.uids == []


def test_service_lost_during_connect_takes_the_reader_down(fake, make_reader, mocker) -> None:
    reader, rec = make_reader()
    seen = record_health(reader, mocker)
    fake.connect_errors.append(real.SCARD_E_NO_SERVICE)
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: devices.Health.down("PC/SC service not running") in seen, "health down")
    wait_until(lambda: reader.health().is_ok, "back up")
    # The card was already there when watching resumed: not a tap (see pcsc.py docstring).
    assert rec.uids == []


def test_stop_is_prompt_via_cancel_and_from_inside_on_tap(fake, make_reader) -> None:
    holder: list[PcscCardReader] = []

    def on_tap(tap: devices.Tap) -> None:
        holder[0].stop()  # must not deadlock joining its own thread

    reader, _ = make_reader(on_tap=on_tap)
    holder.append(reader)
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: reader.health() == devices.Health.down("stopped"), "stopped")
    reader.start(lambda tap: None)
    wait_until(lambda: reader.health().is_ok, "watching again")
    reader.stop()
    assert reader.health() == devices.Health.down("stopped")
    assert not fake.contexts  # context released


def test_system_exit_from_on_tap_restarts_the_loop(fake, make_reader) -> None:
    uids: list[str] = []

    def on_tap(tap: devices.Tap) -> None:
        uids.append(tap.uid)
        raise SystemExit  # not an Exception, so deliver() lets it through

    reader, _ = make_reader(on_tap=on_tap)
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: uids, "first tap")
    fake.remove(R0)
    wait_until(lambda: reader.health().is_ok, "loop restarted")
    fake.insert(R0, bytes.fromhex("04D5E6F7"))
    wait_until(lambda: len(uids) == 2, "a tap after the restart")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_dead_loop_thread_shows_in_health(fake, make_reader, mocker) -> None:
    reader, _ = make_reader()
    # Only the supervisor's own wait sits outside its try; make that fail.
    mocker.patch.object(reader._backoff, "next_delay", side_effect=SystemExit)
    fake.set_service(False)
    wait_until(lambda: reader.health().reason == "card reader loop stopped unexpectedly",
               "health to report the dead loop")


def test_health_before_start() -> None:
    reader = PcscCardReader("pcsc://")
    assert reader.health() == devices.Health.down("not started")
    reader.stop()  # stop before start is harmless
    reader.close()


def test_restart_while_an_old_on_tap_is_stuck(fake, make_reader, mocker) -> None:
    mocker.patch.object(pcsc, "_STOP_JOIN_S", 0.05)
    release = threading.Event()
    stuck: list[str] = []

    def slow(tap: devices.Tap) -> None:
        stuck.append(tap.uid)
        release.wait(5)

    reader, _ = make_reader(on_tap=slow)
    fake.insert(R0, bytes.fromhex("04A1B2C3"))
    wait_until(lambda: stuck, "the slow handler to be running")
    reader.stop()  # gives up joining after _STOP_JOIN_S
    rec = Recorder()
    reader.start(rec)
    fake.remove(R0)
    wait_until(lambda: reader.health().is_ok, "the new run watching")
    release.set()
    fake.insert(R0, bytes.fromhex("04D5E6F7"))
    wait_until(lambda: rec.uids, "a tap in the new run")
    assert rec.uids == ["04D5E6F7"] and stuck == ["04A1B2C3"]
    assert reader.health().is_ok


def test_the_same_crash_is_logged_once(fake, make_reader, caplog) -> None:
    fake.list_exceptions.extend(TypeError("same bug") for _ in range(3))
    with caplog.at_level(logging.ERROR, logger="devices.card.pcsc"):
        make_reader()
    assert len([r for r in caplog.records if "restarting" in r.getMessage()]) == 1
