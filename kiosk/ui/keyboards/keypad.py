"""The keypads' state: an ID number typed for a chosen document type, and a mobile number.

Each key is checked against the shape of what is being typed (lobby_core.id_documents is the
rule for the finished number; this only stops keys that can never be right): a resident ID
takes X only as its 18th character, a Hong Kong/Macao permit starts with H or M, a mobile
number takes + only first. The length limit is the document's longest number, so the last
key that fits is the last one taken. Full validation stays with the form.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Final

from lobby_core import id_documents as ids

DIGITS: Final = frozenset(string.digits)
LETTERS: Final = frozenset(string.ascii_uppercase)
KEYS: Final = DIGITS | LETTERS | {"+"}
MOBILE_MAINLAND: Final = 11
MOBILE_INTERNATIONAL: Final = 16  # "+" and E.164's 15 digits

# (text so far, upper-case key) -> whether the key may come next.
Rule = Callable[[str, str], bool]


class KeypadModel:
    """Typed keys in, `text` out. `allow_x`, `letters` and `allow_plus` say which keys a
    widget shows besides the digits; `groups` how it spaces the number for reading."""

    def __init__(self, max_length: int, rule: Rule, *, allow_x: bool = False, letters: bool = False,
                 allow_plus: bool = False, groups: tuple[int, ...] = ()) -> None:
        if max_length < 1:
            raise ValueError("a keypad takes at least one key")
        self.max_length = max_length
        self.rule = rule
        self.allow_x = allow_x
        self.letters = letters
        self.allow_plus = allow_plus
        self.groups = groups
        self.text = ""

    def accepts(self, key: str) -> bool:
        """Whether `key` may come next (a widget greys out the keys that may not)."""
        if not isinstance(key, str) or len(key) != 1 or not key.isascii() or key.upper() not in KEYS:
            raise ValueError("a key press is one of 0-9, A-Z or +")
        return len(self.text) < self.max_length and self.rule(self.text, key.upper())

    def press(self, key: str) -> bool:
        """One key; False when it cannot come next (wrong place, full)."""
        if not self.accepts(key):
            return False
        self.text += key.upper()
        return True

    def backspace(self) -> bool:
        if not self.text:
            return False
        self.text = self.text[:-1]
        return True

    def clear(self) -> None:
        self.text = ""

    def display(self) -> str:
        """The text with a space between its groups (`110101 19900307 123X`), for reading back;
        a number from abroad (+...) as typed, since its groups depend on the country."""
        if self.text.startswith("+"):
            return self.text
        parts, at = [], 0
        for size in self.groups:
            if at >= len(self.text):
                break
            parts.append(self.text[at:at + size])
            at += size
        if at < len(self.text):
            parts.append(self.text[at:])
        return " ".join(parts)


def _gb11643(text: str, key: str) -> bool:
    # 17 digits, then a digit or the check character X.
    return key in DIGITS or (key == "X" and len(text) == 17)


def _foreign_pr(text: str, key: str) -> bool:
    # The 2023 card: 9 and 17 more like a resident ID; the 2017 card: 3 letters and 12 digits.
    if not text:
        return key == "9" or key in LETTERS
    if text[0] in LETTERS:
        return key in LETTERS if len(text) < 3 else key in DIGITS and len(text) < 15
    return _gb11643(text, key)


def _hk_macao(text: str, key: str) -> bool:
    return key in "HM" if not text else key in DIGITS


def _digits(_text: str, key: str) -> bool:
    return key in DIGITS


def _alphanumeric(_text: str, key: str) -> bool:
    return key in DIGITS or key in LETTERS


_RESIDENT_GROUPS: Final = (6, 8, 4)  # region, birth date, sequence and check
_FREE_FORM_MAX: Final = ids.FREE_FORM_LENGTHS.stop - 1


def id_number_keypad(id_type: str) -> KeypadModel:
    """The keypad for a document type (one of lobby_core.id_documents.ID_TYPES)."""
    if id_type in (ids.CN_RIC, ids.HMT_RES_PERMIT):
        return KeypadModel(18, _gb11643, allow_x=True, groups=_RESIDENT_GROUPS)
    if id_type == ids.FOREIGN_PR:
        return KeypadModel(18, _foreign_pr, allow_x=True, letters=True, groups=_RESIDENT_GROUPS)
    if id_type == ids.HK_MACAO_PERMIT:
        return KeypadModel(11, _hk_macao, letters=True)
    if id_type == ids.TAIWAN_PERMIT:
        return KeypadModel(10, _digits)
    if id_type in (ids.PASSPORT, ids.OTHER):
        return KeypadModel(_FREE_FORM_MAX, _alphanumeric, allow_x=True, letters=True)
    raise ValueError(f"unknown ID document type; expected one of {', '.join(ids.ID_TYPES)}")


def _mobile(text: str, key: str) -> bool:
    if key == "+":
        return not text
    if key not in DIGITS:
        return False
    limit = MOBILE_INTERNATIONAL if text.startswith("+") else MOBILE_MAINLAND
    return len(text) < limit


def mobile_keypad() -> KeypadModel:
    """Digits, and + first for a number from abroad: 11 digits, or + and up to 15."""
    return KeypadModel(MOBILE_INTERNATIONAL, _mobile, allow_plus=True, groups=(3, 4, 4))
