"""The keys the on-screen keyboards are made of: a KeyboardKey says what it does (`action`)
and what it types (`key`); a CandidateKey is a character on the pinyin candidate strip. Their
looks (at least 48 px, the shell's high-contrast colours) are in keys.kv."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.button import Button

KV = Path(__file__).with_suffix(".kv")
MIN_KEY_PX = 48


class KeyboardKey(Button):
    """One key: `action` says what it does, `key` what it types (letters, marks)."""

    action = StringProperty("letter")
    key = StringProperty("")


class CandidateKey(KeyboardKey):
    """A character on the candidate strip; `index` is its place on the page."""

    action = StringProperty("pick")
    index = NumericProperty(0)



class DeleteKey(KeyboardKey):
    """Delete, its label translated by keys.kv as the language changes."""

    action = StringProperty("delete")


if str(KV) not in Builder.files:
    Builder.load_file(str(KV))
