"""NameKeyboard: the visitor's on-screen keyboard for a name, in pinyin (a candidate strip of
characters that pages left and right) or in Latin letters. It draws a NameComposer and
forwards touches to it; `text` holds the composed name, `clear()` empties it.

It shows no earlier entries and offers no completion: candidates come from the pinyin table
alone, never from what was typed before.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.visitor_form import TEXT_MAX
from kiosk.ui import pinyin
from kiosk.ui.keyboards import Mode, NameComposer
from kiosk.ui.keyboards.name_composer import BUFFER_MAX
from kiosk.ui.widgets.keys import MIN_KEY_PX, CandidateKey, KeyboardKey

KV = Path(__file__).with_suffix(".kv")
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


class NameKeyboard(BoxLayout):
    text = StringProperty("")  # the composed name (what the form receives)
    buffer = StringProperty("")  # pinyin waiting for a pick, the looked-up syllable set off
    mode = OptionProperty(Mode.PINYIN.value, options=[m.value for m in Mode])
    shift = BooleanProperty(False)
    candidates = ListProperty([])  # the page shown
    has_prev = BooleanProperty(False)
    has_next = BooleanProperty(False)
    composing = BooleanProperty(False)  # letters wait for a pick
    max_length = NumericProperty(TEXT_MAX)
    key_height = NumericProperty(MIN_KEY_PX)

    def __init__(self, **kwargs: Any) -> None:
        self.composer = NameComposer()
        self._letter_keys: list[KeyboardKey] = []
        self._candidate_keys: list[CandidateKey] = []
        super().__init__(**kwargs)
        _warm_once()
        self.composer.max_length = int(self.max_length)
        for row, letters in zip((self.ids.row1, self.ids.row2, self.ids.row3_letters), ROWS, strict=True):
            for letter in letters:
                key = KeyboardKey(action="letter", key=letter)
                key.bind(on_release=self.on_key)
                row.add_widget(key)
                self._letter_keys.append(key)
        for i in range(pinyin.PAGE_SIZE):
            key = CandidateKey(index=i)
            key.bind(on_release=self.on_key)
            self.ids.candidate_row.add_widget(key)
            self._candidate_keys.append(key)
        self._sync()

    def on_max_length(self, _instance: Any, value: float) -> None:
        self.composer.max_length = max(1, int(value))

    # --- touches ------------------------------------------------------------------------------

    def on_key(self, key: KeyboardKey) -> None:
        c = self.composer
        action = key.action
        if action in ("letter", "mark"):
            c.press(key.key)
        elif action == "pick":
            c.pick(int(getattr(key, "index", 0)))
        elif action == "prev":
            c.prev_page()
        elif action == "next":
            c.next_page()
        elif action == "delete":
            c.backspace()
        elif action == "space":
            c.space()
        elif action == "shift":
            c.toggle_shift()
        elif action == "mode":
            c.toggle_mode()
        self._sync()

    def clear(self) -> None:
        """Empty the name and the pinyin waiting (the mode stays)."""
        self.composer.clear()
        self._sync()

    # --- drawing ------------------------------------------------------------------------------

    def _sync(self) -> None:
        c = self.composer
        page = c.page()
        self.text = c.text
        self.buffer = c.buffer_display()
        self.composing = c.composing
        self.mode = c.mode.value
        self.shift = c.shift
        self.candidates = list(page.items)
        self.has_prev, self.has_next = page.has_prev, page.has_next
        latin = c.mode is Mode.LATIN
        for key in self._letter_keys:
            key.text = key.key.upper() if latin and c.shift else key.key
            # In pinyin, a letter no syllable can continue with is greyed out, not silently eaten.
            key.disabled = c.full or (not latin and not _readable(c.buffer + key.key))
        for i, key in enumerate(self._candidate_keys):
            key.text = page.items[i] if i < len(page.items) else ""
            key.disabled = i >= len(page.items)
            key.opacity = 0 if key.disabled else 1  # an empty strip shows no empty boxes


_warming = threading.Lock()
_warm_started = False


def _warm_once() -> None:
    """The first keyboard built (when the app builds its screens) ranks the largest candidate
    lists on a thread of its own, so neither start-up nor the first key press waits for them
    (about 0.15 s here, more on a Pi)."""
    global _warm_started
    with _warming:
        if _warm_started:
            return
        _warm_started = True
    threading.Thread(target=pinyin.preload, name="pinyin-preload", daemon=True).start()


def _readable(letters: str) -> bool:
    return len(letters) <= BUFFER_MAX and bool(pinyin.split(letters)[0])


if str(KV) not in Builder.files:
    Builder.load_file(str(KV))
