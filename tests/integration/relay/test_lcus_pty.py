"""lcus:// against a peer parsing LCUS frames on the far end of a socat pty pair."""

from __future__ import annotations

import pytest

import devices
from tests.fixtures.serial_pty import LcusPeer, SocatPair, poll_until

pytestmark = pytest.mark.integration

# From the LCUS-1 manual: relay 1 on / off.
ON_1 = bytes.fromhex("A0 01 01 A2")
OFF_1 = bytes.fromhex("A0 01 00 A1")


def _raw(peer: LcusPeer) -> list[bytes]:
    return [f.raw for f in peer.frames]


def test_exact_frames_for_open_switching_and_channel_numbering(socat_pair, lcus_peer) -> None:
    relay = devices.open_relay(f"lcus://{socat_pair.kiosk_end}?channels=2")
    lcus_peer.wait_for(lambda: len(lcus_peer.frames) >= 2, 2, "all-off at open")
    assert _raw(lcus_peer) == [OFF_1, bytes.fromhex("A0 02 00 A2")]

    relay.set(0, True)  # our channel 0 is the board's relay 1
    relay.set(1, True)
    relay.set(0, False)
    lcus_peer.wait_for(lambda: len(lcus_peer.frames) >= 5, 2, "three commands")
    assert _raw(lcus_peer)[2:] == [ON_1, bytes.fromhex("A0 02 01 A3"), OFF_1]
    assert all(f.checksum_ok for f in lcus_peer.frames) and not lcus_peer.junk
    relay.close()


def test_read_reports_the_last_commanded_state(socat_pair, lcus_peer) -> None:
    relay = devices.open_relay(f"lcus://{socat_pair.kiosk_end}?channels=4")
    assert [relay.read(ch) for ch in range(4)] == [False] * 4
    relay.set(2, True)
    assert relay.read(2) is True
    relay.all_off()
    assert relay.read(2) is False
    relay.close()


def test_stray_bytes_from_the_board_are_ignored(socat_pair, lcus_peer) -> None:
    relay = devices.open_relay(f"lcus://{socat_pair.kiosk_end}")
    lcus_peer.send(bytes(range(256)) * 4)
    relay.set(0, True)
    lcus_peer.wait_for(lambda: lcus_peer.state.get(1) is True, 2, "relay 1 on")
    assert relay.health().is_ok
    relay.close()


def test_unplug_then_replug_reopens_and_switches_off_first(socat_pair: SocatPair,
                                                           lcus_peer: LcusPeer) -> None:
    relay = devices.open_relay(f"lcus://{socat_pair.kiosk_end}")
    lcus_peer.stop()
    socat_pair.stop()
    with pytest.raises(devices.DeviceUnplugged):
        relay.set(0, True)
    assert relay.health().state is devices.State.DOWN

    socat_pair.start()
    peer = LcusPeer(socat_pair.board_end)
    peer.start()
    try:
        def works() -> bool:
            try:
                relay.set(0, True)
            except devices.DeviceUnplugged:
                return False
            return True

        poll_until(works, 15, "the relay to work again", interval=0.05)
        peer.wait_for(lambda: len(peer.frames) >= 2, 2, "all-off then on")
        assert _raw(peer)[-2:] == [OFF_1, ON_1]
        relay.close()
    finally:
        peer.stop()


def test_a_port_held_by_another_program_is_refused(socat_pair, lcus_peer) -> None:
    relay = devices.open_relay(f"lcus://{socat_pair.kiosk_end}")
    with pytest.raises(devices.DeviceNotFound, match="in use"):
        devices.open_relay(f"lcus://{socat_pair.kiosk_end}")
    relay.close()


def test_a_file_that_is_not_a_serial_port_is_refused(tmp_path) -> None:
    not_a_tty = tmp_path / "ttyUSB0"
    not_a_tty.write_bytes(b"")
    with pytest.raises(devices.DeviceConfigError, match="not a serial port"):
        devices.open_relay(f"lcus://{not_a_tty}")
