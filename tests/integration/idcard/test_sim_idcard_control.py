"""The sim ID reader's control socket: another process presents cards, unplugs, asks for health."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import devices
from devices.sim_control import send_command
from tests.fixtures.scanner import wait_until

pytestmark = pytest.mark.integration


def test_control_socket_drives_the_reader(tmp_path: Path) -> None:
    sock = str(tmp_path / "idcard.sock")
    reader = devices.open_id_reader(f"sim://?name=ctl&control={sock}")
    got: list[devices.IdCard] = []
    reader.start(got.append)
    try:
        assert send_command(sock, "card number=11010519491231002X name=张小明 until=2035-12-31") == "ok"
        wait_until(lambda: len(got) == 1)
        assert (got[0].id_number, got[0].name, got[0].valid_until.isoformat()) == (
            "11010519491231002X", "张小明", "2035-12-31")
        assert send_command(sock, "health") == "ok: watching sim ID reader 'ctl'"
        assert send_command(sock, "unplug") == "ok"
        reply = send_command(sock, "card number=11010519491231002X name=张小明")
        assert reply == "ignored: ID reader unplugged"
        assert send_command(sock, "replug") == "ok"
        # From another process, as the demo or a technician would (socat - UNIX-SENDTO:PATH).
        code = ("import sys; from devices.sim_control import send_command; "
                "print(send_command(sys.argv[1], 'card number=USA110076061101 name=\"SMITH, JOHN\" "
                "type=foreign_permanent_2017 birth=1976-06-11'))")
        out = subprocess.run([sys.executable, "-c", code, sock], capture_output=True, text=True,
                             timeout=30, check=True)
        assert out.stdout.strip() == "ok"
        wait_until(lambda: len(got) == 2)
        assert (got[1].id_type, got[1].name) == (devices.IdType.FOREIGN_PERMANENT_2017, "SMITH, JOHN")
    finally:
        reader.stop()
    assert not Path(sock).exists()
