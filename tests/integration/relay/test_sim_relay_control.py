"""The sim relay's control socket: another process breaks and mends the board and reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import devices
from devices.sim_control import send_command
from tests.fixtures.serial_pty import poll_until

pytestmark = pytest.mark.integration


def test_control_socket_breaks_and_mends_the_board(tmp_path: Path) -> None:
    sock = str(tmp_path / "relay.sock")
    relay = devices.open_relay(f"sim://?name=ctl-relay&channels=4&control={sock}")
    try:
        assert send_command(sock, "state") == "on: none"
        relay.set(2, True)
        assert send_command(sock, "state") == "on: 2"
        assert send_command(sock, "unplug") == "ok"
        assert send_command(sock, "state") == "on: none"  # no power, no relay on
        with pytest.raises(devices.DeviceError):
            relay.pulse(0, 50)
        assert send_command(sock, "health").startswith("down")
        assert send_command(sock, "replug") == "ok"
        assert send_command(sock, "silent") == "ok"
        with pytest.raises(devices.DeviceError):
            relay.set(1, True)
        assert send_command(sock, "answer") == "ok"

        def switched_on() -> bool:  # the guarded relay reopens once its backoff allows
            try:
                relay.set(1, True)
            except devices.DeviceError:
                return False
            return True

        poll_until(switched_on, 15, "the relay working again", interval=0.2)
        assert send_command(sock, "state") == "on: 1"
        assert send_command(sock, "health").startswith("ok")
        assert send_command(sock, "state now") == "error: state takes no arguments"
        assert send_command(sock, "silent 1") == "error: silent takes no arguments"
        assert send_command(sock, "explode").startswith("error: unknown command")
    finally:
        relay.close()
    assert not os.path.exists(sock)


def test_a_socket_in_use_fails_the_open(tmp_path: Path) -> None:
    sock = str(tmp_path / "relay.sock")
    first = devices.open_relay(f"sim://?name=r1&control={sock}")
    try:
        with pytest.raises(devices.DeviceConfigError, match="in use"):
            devices.open_relay(f"sim://?name=r2&control={sock}")
    finally:
        first.close()


def test_a_relative_control_path_is_refused() -> None:
    with pytest.raises(devices.DeviceConfigError, match="control="):
        devices.open_relay("sim://?name=rel&control=relay.sock")
