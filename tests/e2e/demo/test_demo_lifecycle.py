"""`make demo`'s program as its user meets it: the panel's commands reach the kiosk's sim://
devices, a second demo refuses to take the first one's data, a busy preferred port is named,
and SIGTERM, SIGHUP (the terminal closed) or the demo's own death leave no process behind.
Every demo here picks free ports (--port 0, or a port this test holds busy)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.demo.demo_process import DemoProcess, processes_mentioning, wait_gone
from tests.fixtures.kiosk import REPO

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


def test_panel_reaches_every_device_second_demo_refuses_sigterm_stops_all(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    demo = DemoProcess(root, "--port", "0")
    try:
        demo.wait_ready()
        assert "no display here" in demo.text()  # the test runs it with no DISPLAY
        pids = demo.child_pids()
        # -- the panel: each command reaches its device in the kiosk process
        demo.command("1", r"^\[kiosk\] .*entry granted member_no=D001")
        demo.command("3", r"^\[kiosk\] .*entry denied member_no=D003 reason=expired")
        demo.command("id", r"^\[kiosk\] .*visitor desk: an ID card \(cn_ric\) was read")
        demo.command("scan invite", r"^\[kiosk\] .*pass denied .*reason=wrong_kind")  # at the turnstile
        demo.command("scan V1:not-a-pass", r"^\[kiosk\] .*pass denied")
        demo.command("break relay", r"^gate relay board is broken")
        demo.command("2", r"^\[kiosk\] .*member_no=D002 .*pulse=unconfirmed see_staff")
        demo.command("mend relay", r"^gate relay board is mended")
        demo.command("break printer", r"^\[kiosk\] .*device printer: down: paper out", timeout=30)
        demo.command("health", r"^  slip printer .*down: paper out")
        demo.command("mend printer", r"^slip printer is mended")
        demo.command("break scanner", r"^QR scanner is broken")
        demo.command("scan invite", r"^demo: the QR scanner ignored it: scanner unplugged")
        demo.command("mend scanner", r"^QR scanner is mended")
        demo.command("break id", r"^ID card reader is broken")
        demo.command("id", r"^demo: the ID card reader ignored it: ID reader unplugged")
        demo.command("mend id", r"^ID card reader is mended")
        demo.command("break reader", r"^card reader is broken")
        demo.command("4", r"^demo: the card reader ignored it: reader unplugged")
        demo.command("mend reader", r"^card reader is mended")
        demo.command("4", r"^\[kiosk\] .*entry denied member_no=D004 reason=frozen")
        demo.command("tap 04:a1:zz", r"^demo: '04:a1:zz' is not a card UID")
        demo.command("open sesame", r"^demo: 'open sesame' is not a command; type help")
        # -- a second demo on the same data says so and leaves the first one's data alone
        marker = root / "kiosk.toml"
        before = marker.read_bytes()
        second = subprocess.run([sys.executable, "-m", "kiosk.demo", "--root", str(root), "--port", "0"],
                                capture_output=True, text=True, timeout=60, cwd=REPO)
        assert second.returncode == 3, second.stdout + second.stderr
        assert "already running" in second.stderr and f"pid {demo.proc.pid}" in second.stderr
        assert "console at http://127.0.0.1:" in second.stderr
        assert marker.read_bytes() == before and (root / "central").is_dir()
        demo.command("5", r"^\[kiosk\] .*entry denied member_no=D005")  # the first one runs on
        # -- SIGTERM: every child ends, none is left in the process table
        demo.signal(signal.SIGTERM)
        assert demo.wait_exit() == 128 + signal.SIGTERM
        wait_gone(list(pids.values()))
        assert processes_mentioning(str(root)) == []
        assert "demo: stopped; every process it started has ended" in demo.text()
        # the names of the demo members never reach the terminal (only member numbers)
        for name in ("张小明", "李华", "王芳", "Jane Smith", "11010519491231002X"):
            assert name not in demo.text()
    finally:
        demo.kill()


def test_busy_port_is_named_and_sighup_stops_all(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    with socket.socket() as held:  # a port of our own, busy for the demo's whole run
        held.bind(("127.0.0.1", 0))
        held.listen()
        busy = held.getsockname()[1]
        demo = DemoProcess(root, "--port", str(busy))
        try:
            line = demo.wait_line(rf"^demo: port {busy} is busy", 120)
            taken = int(line.rsplit("central takes port ", 1)[1].split()[0])
            assert taken != busy
            demo.wait_ready()
            demo.wait_line(rf"^Console: http://127\.0\.0\.1:{taken}/ ")
            pids = demo.child_pids()
            demo.signal(signal.SIGHUP)  # what closing the terminal sends
            assert demo.wait_exit() == 128 + signal.SIGHUP
            wait_gone(list(pids.values()))
            assert processes_mentioning(str(root)) == []
        finally:
            demo.kill()


def test_a_killed_demo_takes_its_children_with_it(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    demo = DemoProcess(root, "--port", "0")
    try:
        demo.wait_ready()
        pids = demo.child_pids()
        demo.signal(signal.SIGKILL)  # no handler runs: the children's death signal must
        demo.wait_exit(10)
        wait_gone(list(pids.values()))
        assert processes_mentioning(str(root)) == []
        # the lock died with its holder: the next demo starts on the same data
        again = DemoProcess(root, "--port", "0")
        try:
            again.wait_ready()
            pids = again.child_pids()
            # a child that ends by itself (the kiosk window closed) ends the demo and the rest
            os.kill(pids["kiosk"], signal.SIGKILL)
            again.wait_line(r"^demo: kiosk \(exit -9\) stopped by itself; stopping the demo")
            again.wait_exit()
            wait_gone(list(pids.values()))
            assert processes_mentioning(str(root)) == []
        finally:
            again.kill()
    finally:
        demo.kill()
