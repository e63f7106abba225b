"""Keypad: digits for an ID number (with X, and a letters page for the types whose numbers
have letters) or a mobile number (with +). It draws a KeypadModel and greys out the keys that
cannot come next; `text` holds what was typed, `clear()` empties it.

`kind` picks the rules: an ID type (lobby_core.id_documents.ID_TYPES) sets `allow_x` and
`max_length` from that type; "mobile" the mobile number's; "" (the default) plain digits with
`allow_x` (X as the last character) and `max_length` as set.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.keyboards import KeypadModel, id_number_keypad, mobile_keypad
from kiosk.ui.keyboards.keypad import DIGITS
from kiosk.ui.widgets.keys import MIN_KEY_PX, DeleteKey, KeyboardKey

KV = Path(__file__).with_suffix(".kv")
MOBILE = "mobile"
DIGIT_ROWS = ("123", "456", "789")
LETTER_COLUMNS = 7  # 26 letters, the 123 key and delete: four rows of seven


def _digits_and_last_x(max_length: int, allow_x: bool) -> KeypadModel:
    def rule(text: str, key: str) -> bool:
        return key in DIGITS or (allow_x and key == "X" and len(text) == max_length - 1)

    return KeypadModel(max_length, rule, allow_x=allow_x)


class Keypad(BoxLayout):
    text = StringProperty("")
    kind = StringProperty("")
    allow_x = BooleanProperty(False)
    allow_plus = BooleanProperty(False)
    letters = BooleanProperty(False)  # the type's numbers may have letters: an ABC page
    letters_shown = BooleanProperty(False)
    max_length = NumericProperty(18)
    key_height = NumericProperty(MIN_KEY_PX)

    def __init__(self, **kwargs: Any) -> None:
        self.model = _digits_and_last_x(18, False)
        self.keys: dict[str, KeyboardKey] = {}
        self._ready = False  # kind, allow_x... given to the constructor arrive before the kv rule
        super().__init__(**kwargs)
        self._ready = True
        self._remodel()

    # --- configuration ------------------------------------------------------------------------

    def on_kind(self, *_args: Any) -> None:
        if self._ready:
            self._remodel()

    def on_allow_x(self, *_args: Any) -> None:
        if self._ready and not self.kind:
            self._remodel()

    def on_max_length(self, *_args: Any) -> None:
        if self._ready and not self.kind:
            self._remodel()

    def _remodel(self) -> None:
        if self.kind == MOBILE:
            model = mobile_keypad()
        elif self.kind:
            model = id_number_keypad(self.kind)  # ValueError names the known types
        else:
            model = _digits_and_last_x(max(1, int(self.max_length)), self.allow_x)
        # What was typed stays as far as the new rules take it.
        for key in self.model.text:
            if not model.press(key):
                break
        self.model = model
        self.allow_x, self.allow_plus, self.letters = model.allow_x, model.allow_plus, model.letters
        self.max_length = model.max_length
        self.letters_shown = False
        self._build_keys()

    # --- touches ------------------------------------------------------------------------------

    def on_key(self, key: KeyboardKey) -> None:
        if key.action == "delete":
            self.model.backspace()
        elif key.action == "page":
            self.letters_shown = not self.letters_shown
            self._build_keys()
            return
        else:
            self.model.press(key.key)
        self._sync()

    def clear(self) -> None:
        self.model.clear()
        self.letters_shown = False
        self._build_keys()

    # --- drawing ------------------------------------------------------------------------------

    def _key(self, action: str, key: str = "", text: str | None = None) -> KeyboardKey:
        widget = KeyboardKey(action=action, key=key, text=key if text is None else text)
        widget.bind(on_release=self.on_key)
        return widget

    def _build_keys(self) -> None:
        grid = self.ids.grid
        grid.clear_widgets()
        self.keys = {}
        if self.letters_shown:
            grid.cols = LETTER_COLUMNS
            keys = [self._key("type", c) for c in string.ascii_uppercase]
            keys.append(self._key("page", text="123"))
        else:
            grid.cols = 3
            keys = [self._key("type", c) for row in DIGIT_ROWS for c in row]
            if self.letters:
                keys.append(self._key("page", text="ABC"))
            elif self.allow_plus:
                keys.append(self._key("type", "+"))
            elif self.allow_x:
                keys.append(self._key("type", "X"))
            else:
                keys.append(self._key("none", text=""))
            keys.append(self._key("type", "0"))
        delete = DeleteKey()
        delete.bind(on_release=self.on_key)
        keys.append(delete)
        for widget in keys:
            grid.add_widget(widget)
            self.keys[widget.key or widget.action] = widget
        self._sync()

    def _sync(self) -> None:
        self.text = self.model.text
        for widget in self.keys.values():
            if widget.action == "type":
                widget.disabled = not self.model.accepts(widget.key)
            elif widget.action == "none":
                widget.disabled, widget.opacity = True, 0
            elif widget.action == "delete":
                widget.disabled = not self.model.text


if str(KV) not in Builder.files:
    Builder.load_file(str(KV))
