"""base44: the QR-alphanumeric, space-free text form of our codes."""

from __future__ import annotations

import math
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.passes import BadFormat, base44

QR_ALPHANUMERIC = string.digits + string.ascii_uppercase + " $%*+-./:"


def test_alphabet_is_qr_alphanumeric_without_space() -> None:
    assert len(set(base44.ALPHABET)) == len(base44.ALPHABET) == 44
    assert set(base44.ALPHABET) == set(QR_ALPHANUMERIC) - {" "}


@pytest.mark.parametrize("n_bytes", range(1, base44.MAX_BYTES + 1))
def test_length_is_the_fewest_symbols_that_hold_the_bytes(n_bytes: int) -> None:
    # 44**n never equals 256**N (11 divides one, not the other), so the float bound is exact.
    assert base44.encoded_length(n_bytes) == math.ceil(n_bytes * 8 / math.log2(44))


def test_pass_and_invitation_sizes() -> None:
    assert base44.encoded_length(83) == 122
    assert base44.encoded_length(76) == 112


@given(st.binary(min_size=1, max_size=base44.MAX_BYTES))
def test_round_trip(data: bytes) -> None:
    text = base44.encode(data)
    assert len(text) == base44.encoded_length(len(data))
    assert set(text) <= set(base44.ALPHABET)
    assert base44.decode(text) == data


def test_extremes_round_trip() -> None:
    for data in (b"\x00" * 83, b"\xff" * 83, b"\x01" + b"\x00" * 82):
        assert base44.decode(base44.encode(data)) == data


def test_value_too_big_for_its_length_is_refused() -> None:
    # The largest 122-symbol value exceeds 83 bytes: accepting it would make two texts mean one
    # byte string (or none).
    with pytest.raises(BadFormat, match="canonical"):
        base44.decode(":" * 122)


@pytest.mark.parametrize("text", ["", "A", "AB C" * 30, "abc", "0" * (base44.MAX_CHARS + 1)])
def test_garbage_is_bad_format(text: str) -> None:
    with pytest.raises(BadFormat):
        base44.decode(text)


def test_encode_refuses_sizes_it_cannot_decode() -> None:
    with pytest.raises(ValueError):
        base44.encode(b"")
    with pytest.raises(ValueError):
        base44.encode(b"\x00" * (base44.MAX_BYTES + 1))
