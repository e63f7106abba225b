"""Paper-sensor replies (DLE EOT 4), bit by bit from the ESC/POS real-time status table."""

from __future__ import annotations

import pytest

from devices.health import State
from devices.printer.status import QUERY_PAPER, paper_health

FIXED = 0b0001_0010  # bits 1 and 4 always set, 0 and 7 always clear


def test_query_is_dle_eot_4():
    assert QUERY_PAPER == bytes([0x10, 0x04, 0x04])


@pytest.mark.parametrize(
    ("byte", "state", "reason"),
    [
        (FIXED, State.OK, ""),
        (FIXED | 0b0000_1100, State.DEGRADED, "paper low"),  # bits 2-3 near end
        (FIXED | 0b0110_0000, State.DOWN, "paper out"),  # bits 5-6 paper end
        (FIXED | 0b0110_1100, State.DOWN, "paper out"),  # both: out wins
    ],
)
def test_paper_states(byte: int, state: State, reason: str):
    health = paper_health(bytes([byte]))
    assert health is not None
    assert (health.state, health.reason) == (state, reason)


def test_no_answer_is_none():
    assert paper_health(b"") is None


@pytest.mark.parametrize("reply", [b"\xff", b"\x00", b"\x80\x01"])
def test_bytes_outside_the_fixed_pattern_are_reported(reply: bytes):
    health = paper_health(reply)
    assert health is not None and health.state is State.DEGRADED
    assert "unexpected status reply" in health.reason


def test_noise_before_the_status_byte_is_skipped():
    health = paper_health(b"\xff" + bytes([FIXED | 0x0C]))
    assert health is not None and health.reason == "paper low"
