"""`kiosk run` under systemd's notify protocol, with a real AF_UNIX datagram NOTIFY_SOCKET.

The kiosk says READY=1 once its devices are up, pings WATCHDOG=1 while its device loops are
alive, stops pinging when the card reader's loop hangs (so systemd restarts it), and says
STOPPING=1 on SIGTERM.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.sim_control import send_command
from kiosk.app.watchdog import STALL_FLOOR_S, Timing
from tests.fixtures.kiosk import KioskProcess, write_config
from tests.fixtures.notify_socket import NotifySocket

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

WATCHDOG_USEC = 2_000_000  # pings every 0.5 s; a loop is stuck after kiosk.app.watchdog's 5 s floor
PING_EVERY_S = WATCHDOG_USEC / 4 / 1e6


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[NotifySocket]:
    ns = NotifySocket(str(tmp_path / "notify.sock"))
    yield ns
    ns.close()


@pytest.fixture
def under_systemd(listener: NotifySocket, monkeypatch: pytest.MonkeyPatch) -> NotifySocket:
    monkeypatch.setenv("NOTIFY_SOCKET", listener.address)
    monkeypatch.setenv("WATCHDOG_USEC", str(WATCHDOG_USEC))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    return listener


def _config(tmp_path: Path) -> tuple[Path, Path]:
    card = tmp_path / "card.sock"
    scanner = tmp_path / "scanner.sock"
    cfg = write_config(tmp_path / "kiosk.toml", tmp_path / "data",
                       card_reader=f"sim://?name=gate&control={card}", relay="sim://?name=gate",
                       extra=f'qr_scanner = "sim://?name=gate&control={scanner}"\n')
    return cfg, card


def test_ready_pings_and_stopping(tmp_path: Path, under_systemd: NotifySocket,
                                  kiosk_process: Callable[..., KioskProcess]) -> None:
    cfg, _ = _config(tmp_path)
    kp = kiosk_process(cfg)
    ready = under_systemd.wait("READY", "1", timeout=30)
    assert ready["STATUS"].startswith("ready")
    kp.wait_line("ready: facility=gym")  # READY=1 follows the kiosk's own "ready"
    under_systemd.wait("WATCHDOG", "1", n=3)
    assert kp.stop() == 0
    stopping = under_systemd.wait("STOPPING", "1")
    assert stopping["STATUS"] == "stopping"
    first_ready = next(i for i, m in enumerate(under_systemd.messages) if "READY" in m)
    first_ping = next(i for i, m in enumerate(under_systemd.messages) if "WATCHDOG" in m)
    assert first_ready < first_ping  # no ping before the kiosk is ready


def test_pings_stop_while_the_reader_loop_hangs(tmp_path: Path, under_systemd: NotifySocket,
                                                kiosk_process: Callable[..., KioskProcess]) -> None:
    cfg, card = _config(tmp_path)
    kp = kiosk_process(cfg)
    under_systemd.wait("WATCHDOG", "1", n=2, timeout=30)
    assert send_command(str(card), "hang") == "ok"
    stuck = under_systemd.wait("STATUS", "device loop stuck", timeout=30)
    assert stuck["STATUS"].startswith("device loop stuck: card_reader stuck for ")
    kp.wait_line("card_reader stuck for")  # and the journal says why
    seen = len(under_systemd)
    # Absence needs a window: four ping intervals in which a live kiosk pings four times.
    time.sleep(4 * PING_EVERY_S)
    assert under_systemd.count("WATCHDOG") == sum(
        1 for m in under_systemd.messages[:seen] if "WATCHDOG" in m)
    # Still alive as a process: systemd, not the kiosk, decides to restart it.
    assert kp.proc.poll() is None
    # A loop that comes back before systemd acts is pinged for again.
    assert send_command(str(card), "resume") == "ok"
    under_systemd.wait("STATUS", "ready", start=seen)
    under_systemd.wait("WATCHDOG", "1", start=seen)
    assert kp.stop() == 0


def test_without_notify_socket_the_kiosk_runs_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        kiosk_process: Callable[..., KioskProcess]) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", str(WATCHDOG_USEC))  # set but no socket: ignored
    cfg, _ = _config(tmp_path)
    kp = kiosk_process(cfg)
    kp.wait_line("ready: facility=gym", timeout=30)
    assert kp.stop() == 0
    assert kp.count("systemd watchdog") == 0 and kp.count("Traceback") == 0


def test_systemd_abort_prints_where_the_hung_loop_is(
        tmp_path: Path, under_systemd: NotifySocket,
        kiosk_process: Callable[..., KioskProcess]) -> None:
    """systemd ends a kiosk that stopped pinging with SIGABRT: the journal must show the stack."""
    cfg, card = _config(tmp_path)
    kp = kiosk_process(cfg)
    under_systemd.wait("READY", "1", timeout=30)
    assert send_command(str(card), "hang") == "ok"
    kp.wait_line("card reader loop hung (simulated)")
    kp.signal(signal.SIGABRT)
    assert kp.proc.wait(timeout=15) == -signal.SIGABRT
    kp.stop()
    log = "\n".join(kp.lines)
    assert "Fatal Python error: Aborted" in log
    # The wedged reader thread's own frame is in the dump.
    assert re.search(r'File ".*devices/card/sim\.py", line \d+ in handle', log), log[-3000:]


def test_the_unit_asks_for_notify_and_a_watchdog_the_kiosk_can_honour() -> None:
    unit = (ROOT / "systemd/lobby-kiosk.service").read_text()
    keys = dict(ln.split("=", 1) for ln in unit.splitlines() if re.match(r"^[A-Za-z]+=", ln))
    assert keys["Type"] == "notify" and keys["NotifyAccess"] == "main"
    watchdog_s = float(keys["WatchdogSec"])
    timing = Timing.for_interval(watchdog_s)
    # Healthy steps never trip it, and a hung loop is restarted within a minute.
    assert timing.stall_limit_s >= STALL_FLOOR_S
    assert timing.stall_limit_s + watchdog_s <= 60
    assert keys["Restart"] == "always"
