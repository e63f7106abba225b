"""The sim printer's control socket: another process sets faults, unplugs and mends it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import devices
from devices.events import Slip
from devices.sim_control import send_command

pytestmark = pytest.mark.integration

SLIP = Slip(title="Visitor slip", lines=("Host: 2-1201",), qr="V1:TEST")


def test_control_socket_breaks_and_mends_the_printer(tmp_path: Path) -> None:
    sock = str(tmp_path / "printer.sock")
    printer = devices.open_printer(f"sim://?name=ctl-printer&control={sock}")
    try:
        printer.print_slip(SLIP)
        assert send_command(sock, "fault paper_out") == "ok"
        with pytest.raises(devices.PaperOut):
            printer.print_slip(SLIP)
        assert send_command(sock, "health") == "down: paper out"
        assert send_command(sock, "fault none") == "ok"
        printer.print_slip(SLIP)
        assert send_command(sock, "unplug") == "ok"
        with pytest.raises(devices.DeviceError):
            printer.print_slip(SLIP)
        assert send_command(sock, "health") == "down: printer unplugged"
        assert send_command(sock, "replug") == "ok"
        printer.print_slip(SLIP)
        assert len(printer.printed) == 3  # type: ignore[attr-defined]
        assert send_command(sock, "fault").startswith("error: usage: fault SPEC")
        assert send_command(sock, "fault on_fire").startswith("error: ")
        assert send_command(sock, "health") == "ok"  # a refused fault changes nothing
        assert send_command(sock, "replug now") == "error: replug takes no arguments"
    finally:
        printer.close()
    assert not os.path.exists(sock)
