"""Turn bytes into text a QR code carries in alphanumeric mode, without spaces, and back.

Why not base45 (RFC 9285, the `base45` package on PyPI): its 45-symbol alphabet includes the
space, which serial scanners and terminals may trim or collapse, and it packs 2 bytes into
3 symbols (5.33 bits per symbol). Here the whole byte string is one big-endian integer
written in base 44 — the QR alphanumeric set minus the space — at 5.46 bits per symbol, so
an 83-byte pass needs 122 symbols where base45 needs 125. No maintained library offers
that alphabet; Python's big integers make it a few lines.

Lengths are fixed: N bytes always give the fewest symbols n with 44**n >= 256**N, so the
text length alone tells the byte length, and each byte string has exactly one text (texts
whose value does not fit in N bytes are refused): any change to the text changes the bytes.
"""

from __future__ import annotations

from .errors import BadFormat

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$%*+-./:"
BASE = len(ALPHABET)  # 44
# Bounds the big-integer work on hostile input; our longest code is far below this.
MAX_BYTES = 160

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def _chars_for(n_bytes: int) -> int:
    n_chars, capacity, needed = 0, 1, 256**n_bytes
    while capacity < needed:
        n_chars += 1
        capacity *= BASE
    return n_chars


_CHARS_FOR = [_chars_for(n) for n in range(MAX_BYTES + 1)]
# Each extra byte adds at least one symbol (256 > 44), so this inverse is well defined.
_BYTES_FOR = {n_chars: n_bytes for n_bytes, n_chars in enumerate(_CHARS_FOR) if n_bytes}
MAX_CHARS = _CHARS_FOR[MAX_BYTES]


def encoded_length(n_bytes: int) -> int:
    """How many symbols `encode` makes of `n_bytes` bytes."""
    if not 0 < n_bytes <= MAX_BYTES:
        raise ValueError(f"base44 handles 1..{MAX_BYTES} bytes, not {n_bytes}")
    return _CHARS_FOR[n_bytes]


def encode(data: bytes) -> str:
    """Encode 1..MAX_BYTES bytes; the result uses only ALPHABET."""
    width = encoded_length(len(data))
    value = int.from_bytes(data, "big")
    out = []
    for _ in range(width):
        value, digit = divmod(value, BASE)
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def decode(text: str) -> bytes:
    """Decode what `encode` made; anything else raises BadFormat."""
    if not isinstance(text, str):
        raise BadFormat("expected text")
    n_bytes = _BYTES_FOR.get(len(text))
    if n_bytes is None:
        raise BadFormat(f"a code of {len(text)} characters is not one of ours")
    value = 0
    for ch in text:
        digit = _VALUE.get(ch)
        if digit is None:
            raise BadFormat("the code contains a character outside its alphabet")
        value = value * BASE + digit
    if value >> (8 * n_bytes):
        raise BadFormat("the code is not in canonical form")
    return value.to_bytes(n_bytes, "big")
