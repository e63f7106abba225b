"""Split a QR scanner's byte stream into scanned lines, however the bytes were chunked.

A line ends at CR, LF or CRLF (one terminator, also when the CR and LF arrive in different
reads). Empty and blank lines are not scans and vanish. A line longer than `max_line` bytes,
one that is not UTF-8, or one containing control or format characters is noise (a scanner
powering up, a half-read code, line garbage): it becomes a `Rejected` carrying only its size
and the reason, never its bytes, because a real pass code may be in it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TERMINATOR = re.compile(rb"[\r\n]")
_CR, _LF = 0x0D, 0x0A
_NOISE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})


@dataclass(frozen=True, slots=True)
class Line:
    text: str


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str  # "too long", "invalid UTF-8" or "non-printable characters"
    size: int  # bytes in the line, terminator excluded


class LineFramer:
    def __init__(self, max_line: int = 512) -> None:
        if max_line < 1:
            raise ValueError("max_line must be at least 1")
        self.max_line = max_line
        self.reset()

    def reset(self) -> None:
        """Forget a partial line (the port was reopened; what came before is gone)."""
        self._buf = bytearray()  # at most max_line + 1 bytes of the current line
        self._size = 0  # bytes of the current line so far, kept or not
        self._after_cr = False  # the last byte seen was CR: a leading LF is its partner

    def feed(self, data: bytes) -> list[Line | Rejected]:
        out: list[Line | Rejected] = []
        if not data:
            return out
        pos = 0
        if self._after_cr and data[0] == _LF:
            pos = 1
        self._after_cr = False
        end_of_data = len(data)
        while pos < end_of_data:
            match = _TERMINATOR.search(data, pos)
            stop = match.start() if match else end_of_data
            self._take(data, pos, stop)
            if match is None:
                break
            item = self._finish()
            if item is not None:
                out.append(item)
            pos = stop + 1
            if data[stop] == _CR:
                if pos < end_of_data and data[pos] == _LF:
                    pos += 1
                elif pos == end_of_data:
                    self._after_cr = True
        return out

    def _take(self, data: bytes, start: int, stop: int) -> None:
        # Keep one byte over the limit, enough to know the line is too long, and no more:
        # a scanner stuck sending without a terminator must not grow memory.
        room = self.max_line + 1 - len(self._buf)
        if room > 0:
            self._buf += data[start : min(stop, start + room)]
        self._size += stop - start

    def _finish(self) -> Line | Rejected | None:
        raw, size = bytes(self._buf), self._size
        self._buf = bytearray()
        self._size = 0
        if size > self.max_line:
            return Rejected("too long", size)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Rejected("invalid UTF-8", size)
        if not text.strip():
            return None
        if any(unicodedata.category(ch) in _NOISE_CATEGORIES for ch in text):
            return Rejected("non-printable characters", size)
        return Line(text)
