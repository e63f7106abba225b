"""Facility codes ("gym", "pool", "chess_room"): the one rule for what a code is.

A code is 1-32 characters: lower-case ASCII letters, digits, '_' and '-', starting with a
letter or digit. The members CSV, central's API, the kiosk's sync and the pass facility
table all check codes with this module.
"""

from __future__ import annotations

import re

MAX_LENGTH = 32
# The pattern without anchors, for JSON schemas and pydantic `pattern=` (which add their own).
PATTERN = r"[a-z0-9][a-z0-9_-]{0,31}"
_CODE = re.compile(PATTERN)


def is_facility_code(value: object) -> bool:
    """True if `value` is already a facility code exactly (no trimming, no case folding)."""
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def facility_code(text: str) -> str:
    """`" Gym "` -> `"gym"`: surrounding whitespace trimmed, letters folded to lower case;
    ValueError (saying what a code may contain) if the result is not a facility code."""
    code = text.strip().lower()
    if not is_facility_code(code):
        raise ValueError(
            f"must be 1-{MAX_LENGTH} lower-case letters, digits, '_' or '-' (starting with a "
            "letter or digit)"
        )
    return code
