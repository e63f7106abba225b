"""The scanner line framer: terminators, noise, long lines, and chunking that never matters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.scanner.framer import Line, LineFramer, Rejected


def feed_all(chunks: list[bytes], max_line: int = 512) -> list[Line | Rejected]:
    framer = LineFramer(max_line)
    out: list[Line | Rejected] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    return out


@pytest.mark.parametrize("term", [b"\r", b"\n", b"\r\n"])
def test_each_terminator_ends_a_line(term: bytes):
    assert feed_all([b"V1:ABC" + term + b"V1:DEF" + term]) == [Line("V1:ABC"), Line("V1:DEF")]


def test_crlf_is_one_terminator_even_across_reads():
    assert feed_all([b"A\r", b"\nB\r", b"\n"]) == [Line("A"), Line("B")]


def test_blank_lines_are_not_scans():
    assert feed_all([b"\n\r\n\r\r  \nA\n\n"]) == [Line("A")]


def test_no_terminator_no_scan_yet():
    framer = LineFramer()
    assert framer.feed(b"V1:AB") == []
    assert framer.feed(b"C") == []
    assert framer.feed(b"\r") == [Line("V1:ABC")]


def test_utf8_split_across_reads():
    data = "访客ABC\r".encode()
    assert feed_all([data[:1], data[1:4], data[4:]]) == [Line("访客ABC")]


def test_long_line_is_dropped_up_to_the_next_terminator():
    out = feed_all([b"x" * 6, b"y" * 5, b"\r\nOK\r"], max_line=10)
    assert out == [Rejected("too long", 11), Line("OK")]
    assert feed_all([b"x" * 10 + b"\r"], max_line=10) == [Line("x" * 10)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x00ABC\r", "non-printable characters"),
        (b"AB\x1bC\r", "non-printable characters"),
        (b"AB\tC\r", "non-printable characters"),
        ("\ufeffABC\r".encode(), "non-printable characters"),
        (b"\xff\xfeABC\r", "invalid UTF-8"),
        (b"AB\xe8\xae\r", "invalid UTF-8"),  # truncated multi-byte character
    ],
)
def test_noise_is_rejected_with_size_and_reason_only(data: bytes, reason: str):
    [item] = feed_all([data + b"NEXT\r"])[:1]
    assert item == Rejected(reason, len(data) - 1)
    assert feed_all([data + b"NEXT\r"])[1:] == [Line("NEXT")]


def test_reset_forgets_a_partial_line():
    framer = LineFramer()
    framer.feed(b"half")
    framer.reset()
    assert framer.feed(b"whole\r") == [Line("whole")]


def test_bad_max_line():
    with pytest.raises(ValueError):
        LineFramer(0)


def chunkings(data: bytes) -> st.SearchStrategy[list[bytes]]:
    cuts = st.lists(st.integers(0, len(data)), max_size=12).map(sorted)
    return cuts.map(lambda c: [data[a:b] for a, b in zip([0, *c], [*c, len(data)], strict=True)])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), max_line=st.integers(1, 40))
def test_any_bytes_any_chunking_same_result(data, max_line: int):
    stream = data.draw(st.binary(max_size=300))
    chunks = data.draw(chunkings(stream))
    assert feed_all(chunks, max_line) == feed_all([stream], max_line)


_payload = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Zl", "Zp")), min_size=1, max_size=30
).filter(lambda s: s.strip() != "")


@settings(max_examples=300, deadline=None)
@given(data=st.data(), lines=st.lists(st.tuples(_payload, st.sampled_from([b"\r", b"\n", b"\r\n"]))))
def test_lines_with_any_terminators_come_back_exactly(data, lines):
    stream = b"".join(text.encode() + term for text, term in lines)
    chunks = data.draw(chunkings(stream))
    assert feed_all(chunks, max_line=200) == [Line(text) for text, _ in lines]
