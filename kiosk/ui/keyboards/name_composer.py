"""The name keyboard's state: a visitor composes a name in Chinese (pinyin letters -> a page of
candidate characters -> pick) or in Latin letters, within the visitor form's length limit.

Decisions where the issue is silent, as common phone keyboards do it:
- A key that would make the pinyin unreadable (`v` first, `zhx`) is refused (press returns
  False), so the buffer always has candidates to show.
- Picking a candidate takes the buffer's first syllable and leaves the rest (`zhangsan`, pick
  张 -> `san`); space picks the first candidate.
- Backspace eats the buffer's letters first, then the name's characters.
- Switching to Latin keeps pending pinyin letters as typed Latin letters: nothing typed is lost.
- Latin mode capitalises the first letter of each word (one-shot shift, as on phones); the
  marks names need (space, hyphen, apostrophe, full stop) are keys, nothing else is.
- The pinyin keyboard has the interpunct `·` that separates the parts of transcribed names
  (阿依古丽·买买提), as on ID cards.
"""

from __future__ import annotations

import string
from enum import StrEnum
from typing import Final

from kiosk.app.visitor_form import TEXT_MAX
from kiosk.ui import pinyin

BUFFER_MAX: Final = 4 * pinyin.MAX_SYLLABLE  # four syllables typed ahead are plenty for a name
INTERPUNCT: Final = "\u00b7"
LATIN_MARKS: Final = " -'."
LATIN_KEYS: Final = frozenset(string.ascii_letters + LATIN_MARKS)
_WORD_BREAKS: Final = " -"


class Mode(StrEnum):
    PINYIN = "pinyin"
    LATIN = "latin"


class NameComposer:
    """Typed keys in, the composed name out. `text` is what the form receives; `buffer` the
    pinyin letters not yet turned into a character."""

    def __init__(self, max_length: int = TEXT_MAX) -> None:
        if max_length < 1:
            raise ValueError("a name holds at least one character")
        self.max_length = max_length
        self.mode = Mode.PINYIN
        self.text = ""
        self.buffer = ""
        self.page_index = 0
        self.shift = False
        self._candidates: list[str] = []

    # --- state the widget draws ---------------------------------------------------------------

    @property
    def composing(self) -> bool:
        """Letters wait for a pick (a screen should not move on while they do)."""
        return bool(self.buffer)

    @property
    def full(self) -> bool:
        return len(self.text) >= self.max_length

    @property
    def candidates(self) -> list[str]:
        return self._candidates

    def page(self) -> pinyin.Page:
        return pinyin.page(self._candidates, self.page_index)

    def buffer_display(self) -> str:
        """The buffer with the syllable being looked up set off: `zhang'san`."""
        if not self.buffer:
            return ""
        head, rest = pinyin.split(self.buffer)
        return f"{head}'{rest}" if head and rest else self.buffer

    # --- keys ---------------------------------------------------------------------------------

    def press(self, key: str) -> bool:
        """A letter or mark key; False when refused (full, unreadable pinyin, not a key here)."""
        if not isinstance(key, str) or len(key) != 1:
            raise ValueError("a key press is one character")
        if self.mode is Mode.PINYIN:
            if key == INTERPUNCT:
                return not self.buffer and self._append(INTERPUNCT)
            if not key.isascii() or not key.isalpha():
                raise ValueError("the pinyin keyboard has the letters a to z and ·")
            return self._type_pinyin(key.lower())
        if key not in LATIN_KEYS:
            raise ValueError("the Latin keyboard has letters, space, hyphen, apostrophe and full stop")
        return self._type_latin(key)

    def _type_pinyin(self, letter: str) -> bool:
        if self.full or len(self.buffer) >= BUFFER_MAX:
            return False
        letters = self.buffer + letter
        head, _rest = pinyin.split(letters)
        if not head:
            return False
        self._set_buffer(letters)
        return True

    def _type_latin(self, key: str) -> bool:
        if key == " " and (not self.text or self.text[-1] == " "):
            return False  # no leading or doubled spaces: the form would fold them anyway
        if key.isalpha() and self.shift:
            key = key.upper()
        if not self._append(key):
            return False
        self.shift = key in _WORD_BREAKS
        return True

    def pick(self, index: int) -> bool:
        """Take candidate `index` of the page shown; False if there is none or no room."""
        items = self.page().items
        if not 0 <= index < len(items) or self.full:
            return False
        _head, rest = pinyin.split(self.buffer)
        self._append(items[index])
        self._set_buffer(rest)
        return True

    def space(self) -> bool:
        if self.buffer:
            return self.pick(0)
        if self.mode is Mode.LATIN:
            return self.press(" ")
        return False

    def backspace(self) -> bool:
        if self.buffer:
            self._set_buffer(self.buffer[:-1])
            return True
        if not self.text:
            return False
        self.text = self.text[:-1]
        self.shift = self.mode is Mode.LATIN and (not self.text or self.text[-1] in _WORD_BREAKS)
        return True

    def next_page(self) -> bool:
        return self._turn(+1)

    def prev_page(self) -> bool:
        return self._turn(-1)

    def toggle_mode(self) -> Mode:
        if self.mode is Mode.PINYIN:
            pending = self.buffer
            self._set_buffer("")
            self.text = (self.text + pending)[: self.max_length]
            self.mode = Mode.LATIN
            self.shift = not self.text or self.text[-1] in _WORD_BREAKS
        else:
            self.mode = Mode.PINYIN
            self.shift = False
        return self.mode

    def toggle_shift(self) -> bool:
        self.shift = self.mode is Mode.LATIN and not self.shift
        return self.shift

    def clear(self) -> None:
        self.text = ""
        self._set_buffer("")
        self.shift = self.mode is Mode.LATIN

    # --- internals ----------------------------------------------------------------------------

    def _append(self, chars: str) -> bool:
        if len(self.text) + len(chars) > self.max_length:
            return False
        self.text += chars
        return True

    def _set_buffer(self, letters: str) -> None:
        self.buffer = letters
        self.page_index = 0
        self._candidates = pinyin.candidates(letters) if letters else []

    def _turn(self, step: int) -> bool:
        moved = pinyin.page(self._candidates, self.page_index + step)
        if moved.index == self.page_index:
            return False
        self.page_index = moved.index
        return True
