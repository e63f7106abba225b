"""Pinyin -> candidate characters for the on-screen name keyboard: typed letters in, ranked
characters out, a page at a time. Plain Python, no Kivy.

The table is generated once by `python -m kiosk.ui.pinyin_build` (pypinyin's readings, jieba's
frequencies, the Ministry of Public Security's surname ranking) and shipped beside this module
as `pinyin_table.json`, so a Raspberry Pi never inverts pypinyin's 41,923-character dictionary
or loads jieba's 5 MB word list at start-up; it parses one small JSON file on first use.

How typed letters are read:
- Case is folded and `v` stands for ü (`lv` 吕, `nv` 女), as on every pinyin keyboard; `lue`
  and `nue` are accepted for `lve`/`nve` too, since people type them either way.
- Tones are not typed: a syllable offers the characters of all its tones.
- A partial syllable (`zh`, `zha`) offers the characters of every syllable it begins.
- Several syllables in a row (`zhangsan`): the first syllable is looked up and the rest stays
  in the buffer for the next pick (`split`). The longest syllable that still leaves a readable
  rest wins (`xian` is 先, not 西 + 安), as on common input methods.

Ranking (the builder bakes it into each entry's score): the 20 most common surnames first on
any syllable they match (so `zh` and `zha` already offer 张), then the exact syllable's own
characters (the top 100 surnames, then by frequency), then the characters of longer
syllables the letters begin.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

TABLE_FILE: Final = "pinyin_table.json"
PAGE_SIZE: Final = 8  # one row of the candidate strip
# Scores at or above these mark a surname on its surname reading (see pinyin_build).
TOP_SURNAME_SCORE: Final = 2_000_000  # the 20 most common
SURNAME_SCORE: Final = 1_000_000  # ranks 21..100
MAX_SYLLABLE: Final = 6  # "zhuang", "shuang": no syllable is longer
_LETTERS: Final = re.compile(r"[a-z]*")
_UE_ALIASES: Final = {"lue": "lve", "nue": "nve"}


class PinyinError(ValueError):
    """Typed input that is not pinyin letters; the message never quotes it."""


@dataclass(frozen=True, slots=True)
class Table:
    """Syllable -> (its characters best first, their scores); `prefixes` maps every prefix
    of a syllable to the syllables it begins."""

    entries: dict[str, tuple[str, list[int]]]
    prefixes: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[str, ...]
    index: int  # 0-based, clamped into range
    count: int  # pages in all; 0 when there are no candidates

    @property
    def has_prev(self) -> bool:
        return self.index > 0

    @property
    def has_next(self) -> bool:
        return self.index + 1 < self.count


def parse_table(text: str) -> Table:
    raw = json.loads(text)
    entries: dict[str, tuple[str, list[int]]] = {}
    for syl, (chars, scores) in raw["syllables"].items():
        if len(chars) != len(scores):
            raise ValueError(f"pinyin table: {syl} has {len(chars)} characters, {len(scores)} scores")
        entries[syl] = (chars, scores)
    prefixes: dict[str, list[str]] = {}
    for syl in sorted(entries):
        for end in range(1, len(syl) + 1):
            prefixes.setdefault(syl[:end], []).append(syl)
    return Table(entries, {p: tuple(s) for p, s in prefixes.items()})


@cache
def table() -> Table:
    """The shipped table, parsed once per process (call early to keep the first key press fast)."""
    return parse_table(resources.files(__package__).joinpath(TABLE_FILE).read_text(encoding="utf-8"))


def preload() -> None:
    """Parse the table and rank the candidates of every first letter and of zh, ch, sh (the
    largest merges), so no key press pays for them; call once at start-up, off the touch path."""
    t = table()
    for head in sorted({syl[0] for syl in t.entries} | {"zh", "ch", "sh"}):
        _ranked(head)


def normalise(letters: str) -> str:
    """Lower-case ASCII letters, or PinyinError."""
    if not isinstance(letters, str):
        raise PinyinError("pinyin must be text")
    # casefold before the check would turn "ß" into "ss"; only ASCII letters are pinyin.
    if not letters.isascii():
        raise PinyinError("pinyin is typed with the letters a to z only")
    folded = letters.lower()
    if not _LETTERS.fullmatch(folded):
        raise PinyinError("pinyin is typed with the letters a to z only")
    return folded


def _canonical(syllable: str) -> str:
    return _UE_ALIASES.get(syllable, syllable)


def _is_syllable(t: Table, letters: str) -> bool:
    return _canonical(letters) in t.entries


def _begins_syllable(t: Table, letters: str) -> bool:
    return letters in t.prefixes or _is_syllable(t, letters)


def split(letters: str) -> tuple[str, str]:
    """(the letters looked up now, the rest left in the buffer). The head is "" when the
    letters start no syllable at all (`vvv`); it may be a partial syllable (`zh`)."""
    t = table()
    text = normalise(letters)
    if _begins_syllable(t, text):
        return text, ""
    full = [n for n in range(min(MAX_SYLLABLE, len(text)), 0, -1) if _is_syllable(t, text[:n])]
    for n in full:
        if _begins_syllable(t, text[n:]) or _readable_start(t, text[n:]):
            return text[:n], text[n:]
    if full:
        return text[:full[0]], text[full[0]:]
    return "", text


def _readable_start(t: Table, rest: str) -> bool:
    # The rest's own first syllable can be read (it may be followed by more).
    return any(_is_syllable(t, rest[:n]) for n in range(1, min(MAX_SYLLABLE, len(rest)) + 1))


def candidates(letters: str) -> list[str]:
    """Characters for the first syllable typed (see `split`), best first; [] when none."""
    head, _rest = split(letters)
    return list(_ranked(head)) if head else []


@cache
def _ranked(head: str) -> tuple[str, ...]:
    # Cached per head: there are a few hundred syllables and prefixes, and a single letter
    # merges thousands of entries, too slow to redo on every key press on a Pi.
    t = table()
    exact = _canonical(head)
    syllables = {*t.prefixes.get(head, ()), *([exact] if exact in t.entries else [])}
    keyed = sorted(
        (0 if score >= TOP_SURNAME_SCORE else 1 if syl == exact else 2, -score, char)
        for syl in syllables for char, score in zip(*t.entries[syl], strict=True)
    )
    # A character read on two of the syllables keeps its better place.
    return tuple(dict.fromkeys(char for _group, _score, char in keyed))


def page(items: list[str] | tuple[str, ...], index: int, size: int = PAGE_SIZE) -> Page:
    """Page `index` of `items` (clamped, so paging past either end stays on the last page)."""
    if size < 1:
        raise ValueError("a page holds at least one candidate")
    count = -(-len(items) // size)
    at = max(0, min(index, count - 1)) if count else 0
    return Page(tuple(items[at * size:(at + 1) * size]), at, count)
