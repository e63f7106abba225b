"""Mask personal data (names, ID numbers, card UIDs, mobiles) before it reaches a screen or a log.

The one masking rule of each kind, for the kiosk, central's console and API, and central's
retention job (which writes masked names over stored ones). Every function accepts any string
(or None) and never raises: hostile or odd input gives a masked string, never the input
itself. Masking is idempotent: a masked value masks to itself, so the retention job may run
twice and a masked value passed along is never revealed further. Output length follows the
input so a screen layout stays stable, except that control and format characters (and, for
ID numbers, UIDs and mobiles, separators) are dropped first.
"""

from __future__ import annotations

import re
import unicodedata

# Common two-character Chinese surnames (复姓). Masking keeps the whole surname, so a name
# like 欧阳小明 shows as 欧阳*明 rather than revealing half of the given name.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "司空", "夏侯", "轩辕", "令狐", "钟离", "闻人", "端木", "独孤",
        "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠", "濮阳", "赫连",
        "第五", "万俟", "拓跋", "单于", "左丘", "子车", "谷梁", "东郭", "梁丘", "羊舌",
    }
)  # fmt: skip

# Separators inside transliterated minority and foreign names written in Chinese (买买提·艾力).
_NAME_DOTS = "·・•‧.．"
MASK = "*"


def _clean(s: str | None) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFC", str(s))
    # Control/format characters could move the cursor or hide text on a screen or in a log.
    return "".join(c for c in s if unicodedata.category(c)[0] != "C").strip()


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return (
        0x3400 <= o <= 0x9FFF  # CJK unified ideographs + extension A
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= o <= 0x3FFFF  # extensions B.. (supplementary planes)
        or 0x3040 <= o <= 0x30FF  # kana: Japanese names follow the same one-word rule
        or 0xAC00 <= o <= 0xD7AF  # hangul
    )


def _mask_cjk(name: str) -> str:
    """张三 -> 张*, 张小明 -> 张*明, 欧阳小明 -> 欧阳*明, 买买提·艾力 -> 买**·**."""
    for dot in _NAME_DOTS:
        if dot in name:
            head, *rest = name.split(dot)
            return dot.join([_mask_word(head), *(MASK * len(p) for p in rest)])
    if len(name) <= 1:
        return MASK * len(name)
    surname_len = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    given = name[surname_len:]
    if len(given) == 1:
        return name[:surname_len] + MASK
    return name[:surname_len] + MASK * (len(given) - 1) + given[-1]


def _mask_word(word: str) -> str:
    return word[:1] + MASK * (len(word) - 1)


def _reads_as_cjk(name: str) -> bool:
    # The mask character counts as part of a Chinese name, so that 张*明 masks to itself
    # instead of falling to the per-word rule (张**).
    return all(_is_cjk(c) or c in _NAME_DOTS or c == MASK for c in name if not c.isspace())


def mask_name(name: str | None) -> str:
    """A name safe to show: first letter of each word (J*** S****) or the Chinese rule
    (张*明, 欧阳*明). A one-letter word after the first is masked whole (John F Kennedy ->
    J*** * K******), so a name of initials is never shown as it is."""
    name = _clean(name)
    if not name:
        return ""
    words = name.split()
    if _reads_as_cjk(name):
        # "张 三" is one Chinese name typed with a space; masking it per word would show it all.
        return _mask_cjk("".join(words))
    masked = " ".join([_mask_word(words[0]), *(_mask_word(w) if len(w) > 1 else MASK for w in words[1:])])
    if _reads_as_cjk(masked):
        # Mixed-script input ("张a 李b") whose visible letters are all Chinese: masked per
        # word it would read as a Chinese name next time and mask differently. Mask it as one
        # now, so masking stays idempotent (the retention job relies on that).
        return _mask_cjk("".join(masked.split()))
    return masked


def _keep_ends(s: str, first: int, last: int) -> str:
    if first + last >= len(s):
        return MASK * len(s)
    return s[:first] + MASK * (len(s) - first - last) + (s[-last:] if last else "")


def mask_id_number(s: str | None) -> str:
    """110101199003071234 -> 110***********1234; shorter numbers keep less (at most ~45%)."""
    s = "".join(_clean(s).split())
    n = len(s)
    if n < 6:
        return MASK * n  # so short that any visible character gives too much away
    return _keep_ends(s, min(3, n // 5), min(4, n // 4))


def mask_uid(uid: str | None) -> str:
    """04A1B2C3D4 -> ******C3D4: the last 4 characters, never more than half of the UID."""
    s = "".join(_clean(uid).split())
    return _keep_ends(s, 0, min(4, len(s) // 2))


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND_MOBILE = re.compile(r"1[0-9*]{10}")  # '*' so that a masked number masks to itself
# E.164 country codes are prefix-free and their length follows from the first two digits:
# 1 and 7 are one digit, these two-digit prefixes are whole codes, every other prefix starts
# a three-digit code. Hand-written because no phone-number library is a dependency, and this
# is all of the numbering plan that masking needs.
_TWO_DIGIT_CODES = frozenset(
    {
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    }
)  # fmt: skip


def _country_code(digits: str) -> str | None:
    """The E.164 country code `digits` starts with, or None if it does not start with one."""
    if digits[:1] in ("1", "7"):
        return digits[:1]
    if digits[:1] in ("", "0") or not digits[:2].isdecimal() or len(digits) < 2:
        return None
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3] if len(digits) >= 3 and digits[:3].isdecimal() else None


def mask_mobile(s: str | None) -> str:
    """13812345678 -> 138****5678; +44 7700 900123 -> +44******0123 (the country code and the
    last 4, never more than half of the rest); anything else is masked like an ID number.
    Separators (spaces, '-', '.', brackets) are dropped."""
    s = _PHONE_SEPARATORS.sub("", _clean(s))
    if _MAINLAND_MOBILE.fullmatch(s):
        return s[:3] + MASK * 4 + s[-4:]
    if s.startswith("+"):
        # The code's digits must be ASCII digits, or a masked code would read as another one.
        code = _country_code(s[1:4]) if s[1:4].isascii() else None
        rest = s[1 + len(code):] if code else ""
        if code and rest:
            return "+" + code + _keep_ends(rest, 0, min(4, len(rest) // 2))
    return mask_id_number(s)
