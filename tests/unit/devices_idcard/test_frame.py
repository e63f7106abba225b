"""The SAM frame encoder and decoder: published byte vectors, round trips, and any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import frame
from devices.idcard.frame import Frame, FrameDecoder, Rejected
from tests.fixtures.sam_module import wire

# From vendors' SAM module manuals (find card, select card, read base info) and a real module's
# "card found" answer: independent of our encoder.
PUBLISHED = [
    (frame.FIND_CARD, "AAAAAA9669000320 0122"),
    (frame.SELECT_CARD, "AAAAAA9669000320 0221"),
    (frame.READ_BASE, "AAAAAA9669000330 0132"),
    (bytes.fromhex("00009F00000000"), "AAAAAA9669 0008 00009F00000000 97"),
]


@pytest.mark.parametrize(("body", "hex_frame"), PUBLISHED)
def test_published_frames(body: bytes, hex_frame: str) -> None:
    raw = bytes.fromhex(hex_frame.replace(" ", ""))
    assert frame.encode(body) == raw
    assert FrameDecoder().feed(raw) == [Frame(body)]


@pytest.mark.parametrize("size", [0, frame.MAX_LENGTH])
def test_encode_refuses_bodies_that_cannot_be_framed(size: int) -> None:
    with pytest.raises(ValueError, match="frame body"):
        frame.encode(bytes(size))


def test_encode_takes_the_longest_body() -> None:
    body = bytes(frame.MAX_LENGTH - 1)
    assert FrameDecoder().feed(frame.encode(body)) == [Frame(body)]


BODIES = st.binary(min_size=1, max_size=1400)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@settings(max_examples=200, deadline=None)
@given(bodies=st.lists(BODIES, min_size=1, max_size=4), cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_round_trip_however_chunked(bodies: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(frame.encode(b) for b in bodies)
    assert stream == b"".join(wire(b) for b in bodies)  # our encoder agrees with the fixture's
    decoder = FrameDecoder()
    out: list[Frame | Rejected] = []
    for chunk in _chunks(stream, cuts):
        out += decoder.feed(chunk)
    assert out == [Frame(b) for b in bodies]
    assert decoder.pending == 0


@settings(max_examples=300, deadline=None)
@given(noise=st.lists(st.one_of(st.binary(max_size=64), st.just(frame.PREAMBLE),
                                 st.just(frame.PREAMBLE + b"\x00"), st.just(frame.PREAMBLE + b"\x05\x08")),
                      max_size=8),
       body=BODIES)
def test_any_bytes_never_raise_nor_stop_the_decoder(noise: list[bytes], body: bytes) -> None:
    decoder = FrameDecoder()
    for chunk in noise:
        for item in decoder.feed(chunk):
            assert isinstance(item, Frame | Rejected)
        # Never more than one frame's worth is held back, whatever came before.
        assert decoder.pending <= frame.HEADER + frame.MAX_LENGTH
    # A corrupt header may swallow up to MAX_LENGTH bytes; the decoder resumes after it, so
    # a good frame sent repeatedly is decoded however the garbage ended.
    good = frame.encode(body)
    repeats = frame.MAX_LENGTH // len(good) + 2
    out = [item for _ in range(repeats) for item in decoder.feed(good)]
    assert Frame(body) in out


def test_noise_before_a_frame_is_one_rejection_with_its_size() -> None:
    assert FrameDecoder().feed(b"hello" + wire(b"\x00\x00\x90")) == [
        Rejected("noise", 5), Frame(b"\x00\x00\x90")]


def test_a_preamble_cut_between_reads_is_kept() -> None:
    decoder = FrameDecoder()
    raw = wire(b"\x00\x00\x80")
    assert decoder.feed(b"xy" + raw[:4]) == [Rejected("noise", 2)]
    assert decoder.feed(raw[4:]) == [Frame(b"\x00\x00\x80")]


def test_bad_check_byte_is_rejected_and_the_next_frame_still_decodes() -> None:
    bad = bytearray(wire(b"\x00\x00\x90" + b"secret"))
    bad[-1] ^= 0xFF
    out = FrameDecoder().feed(bytes(bad) + wire(b"\x00\x00\x9f"))
    assert out == [Rejected("bad check byte", len(bad)), Frame(b"\x00\x00\x9f")]


def test_a_good_frame_inside_a_corrupt_length_is_found() -> None:
    # The header claims 16 bytes; the real frame follows at once and is shorter.
    good = wire(b"\x00\x00\x9f\x00\x00\x00\x00")
    out = FrameDecoder().feed(frame.PREAMBLE + b"\x00\x10" + good + bytes(16))
    assert Frame(b"\x00\x00\x9f\x00\x00\x00\x00") in out
    assert out[0] == Rejected("bad check byte", frame.HEADER + 16)


@pytest.mark.parametrize("length", [b"\x00\x00", b"\x00\x01", (frame.MAX_LENGTH + 1).to_bytes(2, "big")])
def test_impossible_lengths_are_dropped_at_once(length: bytes) -> None:
    decoder = FrameDecoder()
    out = decoder.feed(frame.PREAMBLE + length + wire(b"\x00\x00\x80"))
    assert out == [Rejected("bad length", frame.HEADER), Frame(b"\x00\x00\x80")]


def test_rejections_never_carry_the_bytes() -> None:
    assert set(Rejected.__dataclass_fields__) == {"reason", "size"}


def test_reset_forgets_a_partial_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(wire(b"\x00\x00\x90")[:6])
    assert decoder.pending == 6
    decoder.reset()
    assert decoder.pending == 0
    assert decoder.feed(wire(b"\x00\x00\x81")) == [Frame(b"\x00\x00\x81")]
