"""Mask personal data (names, ID numbers, card UIDs) before it reaches a screen or a log.

Every function accepts any string (or None) and never raises: hostile or odd input gives a
masked string, never the input itself. Output length follows the input so a screen layout
stays stable, except that control and format characters are dropped first.
"""

from __future__ import annotations

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


def mask_name(name: str | None) -> str:
    """A name safe to show: first letter of each word (J*** S****) or the Chinese rule."""
    name = _clean(name)
    if not name:
        return ""
    words = name.split()
    if all(_is_cjk(c) or c in _NAME_DOTS for c in name if not c.isspace()):
        # "张 三" is one Chinese name typed with a space; masking it per word would show it all.
        return _mask_cjk("".join(words))
    return " ".join(_mask_word(w) for w in words)


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
