"""Encode and decode the public SAM module frame (二代证 readers): pure bytes, no I/O.

A frame on the wire is::

    AA AA AA 96 69 | LEN_HI LEN_LO | body ... | CHK

LEN (big-endian) counts every byte after it, the check byte included; CHK is the XOR of the
two length bytes and the body. A request body is a command and a parameter (`20 01` find
card); a response body starts with the status bytes SW1 SW2 SW3 (`00 00 90` ok).

Hand-written: the format is five constants and an XOR, and no maintained PyPI package speaks
it (the vendors ship closed C SDKs).
"""

from __future__ import annotations

from dataclasses import dataclass

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER = len(PREAMBLE) + 2
# The longest answer we ask for is the base-info read (0x0508). A fingerprint read, which we
# never send, is about 0x0910. Anything longer is a corrupt length, not a frame to wait for.
MAX_LENGTH = 0x1000
MIN_LENGTH = 2  # one body byte and the check byte

# Requests (command, parameter).
FIND_CARD = bytes.fromhex("2001")
SELECT_CARD = bytes.fromhex("2002")
READ_BASE = bytes.fromhex("3001")

# SW3 of a response (SW1 SW2 are 00 00).
SW_OK = 0x90
SW_FIND_OK = 0x9F
SW_FIND_FAILED = 0x80  # no card in the field
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41


def check_byte(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode(body: bytes) -> bytes:
    """One frame around `body` (a request, or in tests a response)."""
    length = len(body) + 1
    if not body or length > MAX_LENGTH:
        raise ValueError(f"frame body must be 1..{MAX_LENGTH - 1} bytes, got {len(body)}")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes((check_byte(head + body),))


@dataclass(frozen=True, slots=True)
class Frame:
    body: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """Bytes that were not a frame; only their size and why, never the bytes (a cut read
    response carries a name and an ID number)."""

    reason: str  # "noise", "bad length" or "bad check byte"
    size: int


class FrameDecoder:
    """Split a byte stream into frames however it was chunked; never raises on any input.

    Bytes before a preamble are noise. A length outside MIN..MAX is dropped at once. A frame
    whose check byte is wrong is dropped and the search resumes one byte after its preamble,
    so a good frame that a corrupt length swallowed is still found.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        # Bytes at the head of the buffer already reported as a rejected frame: resyncing
        # walks through them again, and they must not be reported twice as noise.
        self._reported = 0

    def reset(self) -> None:
        """Forget a partial frame (a new request is about to go out, or the port reopened)."""
        self._buf.clear()
        self._reported = 0

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame | Rejected]:
        self._buf += data
        out: list[Frame | Rejected] = []
        buf = self._buf
        while buf:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the start of a preamble cut between two reads.
                self._drop(len(buf) - _partial_preamble(buf), out)
                break
            self._drop(start, out)
            if len(buf) < HEADER:
                break
            length = int.from_bytes(buf[len(PREAMBLE) : HEADER], "big")
            if not MIN_LENGTH <= length <= MAX_LENGTH:
                self._reject("bad length", HEADER, out)
                continue
            end = HEADER + length
            if len(buf) < end:
                break
            if check_byte(buf[len(PREAMBLE) : end - 1]) != buf[end - 1]:
                self._reject("bad check byte", end, out)
                continue
            out.append(Frame(bytes(buf[HEADER : end - 1])))
            del buf[:end]
            self._reported = max(0, self._reported - end)
        return out

    def _reject(self, reason: str, size: int, out: list[Frame | Rejected]) -> None:
        # Only the first preamble byte goes: a good frame may start inside the bad one.
        fresh = size - min(size, self._reported)
        if fresh:
            out.append(Rejected(reason, size))
        self._reported = max(self._reported, size) - 1
        del self._buf[:1]

    def _drop(self, count: int, out: list[Frame | Rejected]) -> None:
        if count <= 0:
            return
        unreported = count - min(count, self._reported)
        self._reported -= count - unreported
        if unreported:
            if out and isinstance(out[-1], Rejected) and out[-1].reason == "noise":
                unreported += out.pop().size
            out.append(Rejected("noise", unreported))
        del self._buf[:count]


def _partial_preamble(buf: bytearray) -> int:
    """How many trailing bytes of `buf` are a proper prefix of the preamble."""
    for size in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf.endswith(PREAMBLE[:size]):
            return size
    return 0
