"""Card UIDs: normalise them to upper-case hex and mask them for logs."""

from __future__ import annotations

import re

from ..errors import DeviceProtocolError

# ISO 14443 UIDs are 4, 7 or 10 bytes; ISO 15693 and FeliCa IDs are 8. Anything outside
# 4..10 bytes is not a card UID we can match against a member.
MIN_UID_BYTES = 4
MAX_UID_BYTES = 10

_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"[0-9A-F]*")


def normalize_uid(text: str) -> str:
    """`"04:a1:b2:c3"` -> `"04A1B2C3"`; raises DeviceProtocolError with the reason if bad."""
    if not isinstance(text, str):
        raise DeviceProtocolError(f"card UID must be text, not {type(text).__name__}")
    compact = _SEPARATORS.sub("", text).upper()
    if not compact:
        raise DeviceProtocolError("card UID is empty")
    if not _HEX.fullmatch(compact):
        raise DeviceProtocolError("card UID must be hexadecimal (0-9, A-F)")
    if len(compact) % 2:
        raise DeviceProtocolError("card UID has an odd number of hex digits")
    if not MIN_UID_BYTES <= len(compact) // 2 <= MAX_UID_BYTES:
        raise DeviceProtocolError(
            f"card UID must be {MIN_UID_BYTES}..{MAX_UID_BYTES} bytes, got {len(compact) // 2}"
        )
    return compact


def uid_from_bytes(data: bytes) -> str:
    if not MIN_UID_BYTES <= len(data) <= MAX_UID_BYTES:
        raise DeviceProtocolError(
            f"card UID must be {MIN_UID_BYTES}..{MAX_UID_BYTES} bytes, got {len(data)}"
        )
    return data.hex().upper()


def normalize_atr(text: str) -> str:
    """An ATR in hex (separators allowed) -> upper-case hex; "" stays "" (unknown)."""
    compact = _SEPARATORS.sub("", text).upper()
    if not _HEX.fullmatch(compact) or len(compact) % 2 or len(compact) > 66:
        raise DeviceProtocolError("ATR must be at most 33 bytes of hexadecimal")
    return compact


def mask_uid(uid: str) -> str:
    """Only the last 4 hex digits, enough to tell taps apart in a log, not to clone a card."""
    return "****" + uid[-4:]
