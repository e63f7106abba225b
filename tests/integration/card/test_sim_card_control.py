"""sim:// card reader driven through its control socket from another process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import devices
from devices import simhub
from devices.card.sim import SimCardReader
from devices.sim_control import send_command

from .taps import Taps

pytestmark = pytest.mark.integration


@pytest.fixture
def sock_path(tmp_path: Path) -> Path:
    return tmp_path / "card.sock"


@pytest.fixture
def sim(sock_path: Path) -> Iterator[tuple[SimCardReader, Taps]]:
    reader = devices.open_card_reader(f"sim://?name=ctl&control={sock_path}")
    assert isinstance(reader, SimCardReader)
    taps = Taps()
    reader.start(taps)
    yield reader, taps
    reader.close()


def test_tap_from_another_process(sim, sock_path: Path) -> None:
    _, taps = sim
    code = ("import sys; from devices.sim_control import send_command; "
            "print(send_command(sys.argv[1], 'tap 04a1b2c3'))")
    out = subprocess.run([sys.executable, "-c", code, str(sock_path)], capture_output=True,
                         text=True, timeout=30, check=True)
    assert out.stdout.strip() == "ok"
    (tap,) = taps.wait_count(1)
    assert (tap.uid, tap.reader) == ("04A1B2C3", "Simulated reader")


def test_fire_and_forget_sender_without_an_address(sim, sock_path: Path) -> None:
    """What `socat - UNIX-SENDTO:PATH` does: no reply address, still a tap."""
    _, taps = sim
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"tap 04A1B2C3\n", str(sock_path))
    assert taps.wait_count(1)[0].uid == "04A1B2C3"


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("tap", "error: usage: tap UID [ATR]"),
        # lobby_core.uid's one rule (4, 7, 8 or 10 bytes) and its wording.
        ("tap 04A1", "error: card UID has 4 hex digits (2 bytes); a card's UID is 4, 7, 8 or 10 bytes"),
        ("tap ZZZZZZZZ", "error: card UID must be hexadecimal (0-9, A-F)"),
        ("tap 04A1B2C3 not-an-atr", "error: ATR must be at most 33 bytes of hexadecimal"),
        ("eject", "error: unknown command; use tap, insert, remove, unplug, replug, hang, resume or health"),
        ("unplug now", "error: unplug takes no arguments"),
        ("hang now", "error: hang takes no arguments"),
        ("resume 1", "error: resume takes no arguments"),
        ("", "error: unknown command; use tap, insert, remove, unplug, replug, hang, resume or health"),
        ("x" * 600, "error: command longer than 512 bytes"),
    ],
)
def test_bad_commands_get_a_specific_error_and_no_tap(sim, sock_path: Path, line: str,
                                                      reply: str) -> None:
    _, taps = sim
    assert send_command(str(sock_path), line) == reply
    assert send_command(str(sock_path), "health") == "ok: watching Simulated reader"
    assert taps.all == []


def test_non_utf8_command(sim, sock_path: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("")
        s.settimeout(2)
        s.sendto(b"tap \xff\xfe", str(sock_path))
        assert s.recv(100) == b"error: command is not UTF-8 text"


def test_unplug_replug_insert_remove_over_the_socket(sim, sock_path: Path) -> None:
    reader, taps = sim
    path = str(sock_path)
    assert send_command(path, "unplug") == "ok"
    assert send_command(path, "health") == "down: reader unplugged"
    assert send_command(path, "tap 04A1B2C3") == "ignored: reader unplugged"
    assert send_command(path, "replug") == "ok"
    assert send_command(path, "insert 04A1B2C3") == "ok"
    assert send_command(path, "insert 04D5E6F7") == (
        "error: a card is already on the reader; remove it first")
    assert send_command(path, "remove\ntap 04D5E6F7") == "ok\nok"
    taps.wait_count(2)
    assert taps.uids == ["04A1B2C3", "04D5E6F7"]


def test_socket_file_is_removed_on_stop_and_stale_one_replaced(sock_path: Path) -> None:
    # A socket file left behind by a process that died.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(sock_path))
    stale.close()
    reader = devices.open_card_reader(f"sim://?control={sock_path}")
    reader.start(Taps())
    assert send_command(str(sock_path), "health").startswith("ok")
    reader.stop()
    assert not sock_path.exists()


def test_socket_in_use_by_another_reader_is_refused(sim, sock_path: Path) -> None:
    other = devices.open_card_reader(f"sim://?name=other&control={sock_path}")
    with pytest.raises(devices.DeviceConfigError, match="in use by another process"):
        other.start(Taps())
    assert send_command(str(sock_path), "health").startswith("ok")


def test_a_regular_file_at_the_path_is_never_deleted(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    reader = devices.open_card_reader(f"sim://?control={path}")
    with pytest.raises(devices.DeviceConfigError, match="exists and is not a socket"):
        reader.start(Taps())
    assert path.read_text() == "keep me"
    assert reader.health() == devices.Health.down("not started")


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    reader = devices.open_card_reader(f"sim://?control={tmp_path}/nope/card.sock")
    with pytest.raises(devices.DeviceConfigError, match="cannot bind control socket"):
        reader.start(Taps())


def test_send_command_to_nothing(tmp_path: Path) -> None:
    with pytest.raises(devices.DeviceConfigError, match="nothing is listening"):
        send_command(str(tmp_path / "none.sock"), "health")


def test_simhub_registration_follows_start_and_stop(sim) -> None:
    reader, taps = sim
    assert simhub.get("card_reader", "ctl") is reader
    reader.stop()
    with pytest.raises(LookupError):
        simhub.get("card_reader", "ctl")


def test_hang_wedges_the_reader_thread_until_resume(sim, sock_path: Path) -> None:
    """What the service watchdog sees: a wedged loop grows stalled_for; health cannot tell."""
    reader, taps = sim
    assert reader.stalled_for() == 0.0  # waiting for a card is idle, not stuck
    assert send_command(str(sock_path), "hang") == "ok"
    assert send_command(str(sock_path), "tap 04A1B2C3") == "ok"
    first = _wait_until(lambda: reader.stalled_for(), lambda v: v > 0.2)
    assert reader.stalled_for() >= first  # still stuck, and for longer
    assert taps.all == []  # the tap waits behind the wedged step
    assert send_command(str(sock_path), "health") == "ok: watching Simulated reader"
    assert send_command(str(sock_path), "resume") == "ok"
    assert taps.wait_count(1)[0].uid == "04A1B2C3"
    _wait_until(lambda: reader.stalled_for(), lambda v: v == 0.0)


def test_stop_releases_a_hung_reader_at_once(sock_path: Path) -> None:
    reader = devices.open_card_reader(f"sim://?name=hung&control={sock_path}")
    assert isinstance(reader, SimCardReader)
    assert reader.hang() is False  # not started: nothing to wedge
    reader.start(Taps())
    assert reader.hang() is True
    _wait_until(lambda: reader.stalled_for(), lambda v: v > 0.0)
    reader.stop()  # returns because stop releases the wedge (else it would wait 5 s and warn)
    assert reader.stalled_for() == 0.0
    assert reader._run is None


def _wait_until(get: Callable[[], float], ok: Callable[[float], bool],
                timeout: float = 10.0) -> float:
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value):
            return value
        assert time.monotonic() < deadline, f"condition not met in {timeout} s: last {value!r}"
        time.sleep(0.02)
