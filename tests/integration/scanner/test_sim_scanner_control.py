"""The sim scanner's control socket: another process scans, unplugs and asks for health."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import devices
from devices.sim_control import send_command
from tests.fixtures.scanner import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def sock_path(tmp_path: Path) -> str:
    return str(tmp_path / "scanner.sock")


def test_control_socket_drives_the_scanner(sock_path: str):
    scanner = devices.open_scanner(f"sim://?name=ctl&control={sock_path}")
    got: list[str] = []
    scanner.start(lambda s: got.append(s.text))
    try:
        assert send_command(sock_path, "scan V1:7F3A9C") == "ok"
        assert send_command(sock_path, "scan 访客 pass 1") == "ok"
        wait_until(lambda: got == ["V1:7F3A9C", "访客 pass 1"])
        assert send_command(sock_path, "health") == "ok: reading sim scanner 'ctl'"
        assert send_command(sock_path, "unplug") == "ok"
        assert send_command(sock_path, "scan LOST") == "ignored: scanner unplugged"
        assert send_command(sock_path, "replug") == "ok"
        assert send_command(sock_path, "scan") == "error: usage: scan TEXT"
        assert send_command(sock_path, "unplug now") == "error: unplug takes no arguments"
        assert send_command(sock_path, "explode").startswith("error: unknown command")
        assert send_command(sock_path, "scan BACK") == "ok"
        wait_until(lambda: got[-1:] == ["BACK"])
        assert "LOST" not in got
    finally:
        scanner.stop()
    assert not os.path.exists(sock_path)


def test_another_process_can_scan(sock_path: str):
    scanner = devices.open_scanner(f"sim://?name=xproc&control={sock_path}")
    got: list[str] = []
    scanner.start(lambda s: got.append(s.text))
    try:
        code = (
            "import sys; from devices.sim_control import send_command; "
            "print(send_command(sys.argv[1], 'scan V1:FROM-ELSEWHERE'))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, sock_path], capture_output=True, text=True, timeout=30, check=True
        )
        assert out.stdout.strip() == "ok"
        wait_until(lambda: got == ["V1:FROM-ELSEWHERE"])
    finally:
        scanner.stop()


def test_socat_can_scan_too(sock_path: str):
    scanner = devices.open_scanner(f"sim://?name=socat&control={sock_path}")
    got: list[str] = []
    scanner.start(lambda s: got.append(s.text))
    try:
        subprocess.run(
            ["socat", "-u", "-", f"UNIX-SENDTO:{sock_path}"],
            input=b"scan V1:SOCAT\n",
            timeout=30,
            check=True,
        )
        wait_until(lambda: got == ["V1:SOCAT"])
    finally:
        scanner.stop()
