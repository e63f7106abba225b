"""Card UIDs at the driver boundary: lobby_core's one UID rule, failures as DeviceProtocolError."""

from __future__ import annotations

import re

from lobby_core import uid as core_uid

from ..errors import DeviceProtocolError

MIN_UID_BYTES = core_uid.MIN_UID_BYTES
MAX_UID_BYTES = core_uid.MAX_UID_BYTES

_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"[0-9A-F]*")


def normalize_uid(text: str) -> str:
    """`"04:a1:b2:c3"` -> `"04A1B2C3"`; raises DeviceProtocolError with the reason if bad."""
    try:
        return core_uid.normalise_uid(text)
    except core_uid.UidError as exc:
        raise DeviceProtocolError(str(exc)) from None


def uid_from_bytes(data: bytes) -> str:
    try:
        return core_uid.uid_from_bytes(data)
    except core_uid.UidError as exc:
        raise DeviceProtocolError(str(exc)) from None


def normalize_atr(text: str) -> str:
    """An ATR in hex (separators allowed) -> upper-case hex; "" stays "" (unknown)."""
    compact = _SEPARATORS.sub("", text).upper()
    if not _HEX.fullmatch(compact) or len(compact) % 2 or len(compact) > 66:
        raise DeviceProtocolError("ATR must be at most 33 bytes of hexadecimal")
    return compact
