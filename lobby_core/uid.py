"""Card UIDs: the one rule for what a card UID is and how it is spelt (upper-case hex).

Readers, the simulated reader, the members CSV and central's member sync all go through
`normalise_uid`, so a UID typed into a spreadsheet and the same card tapped on a reader
compare equal. Errors are `UidError` (a ValueError); drivers translate it at their boundary.
"""

from __future__ import annotations

import re

# ISO 14443 UIDs are 4, 7 or 10 bytes; ISO 15693 UIDs and FeliCa IDm are 8. No card has
# another length, so anything else is a typo in a spreadsheet or a garbled reader answer.
UID_BYTES: tuple[int, ...] = (4, 7, 8, 10)
MIN_UID_BYTES = min(UID_BYTES)
MAX_UID_BYTES = max(UID_BYTES)

_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"[0-9A-F]+")


class UidError(ValueError):
    """Not a card UID; the message says why and starts with "card UID"."""


def _check_length(n_bytes: int) -> None:
    if n_bytes not in UID_BYTES:
        raise UidError(
            f"card UID has {2 * n_bytes} hex digits ({n_bytes} bytes); a card's UID is "
            "4, 7, 8 or 10 bytes"
        )


def normalise_uid(text: object) -> str:
    """`" 04:a1-b2 c3 "` -> `"04A1B2C3"`; separators (whitespace, ':' and '-') and case are
    ignored. Raises UidError with the reason for anything that is not a card UID."""
    if not isinstance(text, str):
        raise UidError(f"card UID must be text, not {type(text).__name__}")
    compact = _SEPARATORS.sub("", text).upper()
    if not compact:
        raise UidError("card UID is empty")
    if not _HEX.fullmatch(compact):
        raise UidError("card UID must be hexadecimal (0-9, A-F)")
    if len(compact) % 2:
        raise UidError(f"card UID has an odd number of hex digits ({len(compact)})")
    _check_length(len(compact) // 2)
    return compact


def uid_from_bytes(data: bytes) -> str:
    """A UID as a reader returns it (raw bytes) in the normalised spelling."""
    _check_length(len(data))
    return data.hex().upper()
