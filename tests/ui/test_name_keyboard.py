"""NameKeyboard under Xvfb, driven by touches inside the running app: pinyin -> candidates ->
pick, paging arrows, delete order, Latin mode, clear, translated keys, and every key at least
48 px and inside the screen at 800x480, 1280x800 and portrait 1080x1920."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.ui import pinyin
from tests.ui.conftest import SIZES, Ui
from tests.ui.layout_check import layout_problems


@pytest.fixture
def keyboard(make_ui: Callable[..., Ui]) -> Iterator[tuple[Ui, Any]]:
    ui = make_ui()
    from kiosk.ui.widgets.name_keyboard import NameKeyboard

    kb = NameKeyboard(size_hint_x=1, pos=(0, 0))
    ui.window.add_widget(kb)
    ui.wait(lambda: kb.width == ui.window.width, "the keyboard laid out")
    try:
        yield ui, kb
    finally:
        ui.window.remove_widget(kb)


def key(kb: Any, letter: str) -> Any:
    return next(k for k in kb._letter_keys if k.key == letter)


def type_keys(ui: Ui, kb: Any, letters: str) -> None:
    for letter in letters:
        ui.press(key(kb, letter))


def candidate_texts(kb: Any) -> list[str]:
    return [k.text for k in kb._candidate_keys]


def test_typing_pinyin_and_touching_a_candidate_composes_the_name(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    type_keys(ui, kb, "zhang")
    assert kb.buffer == "zhang" and kb.composing
    assert candidate_texts(kb) == pinyin.candidates("zhang")[:8]
    assert "张" in candidate_texts(kb)
    ui.press(kb._candidate_keys[candidate_texts(kb).index("张")])
    assert kb.text == "张" and kb.buffer == ""
    assert all(k.disabled and k.text == "" and k.opacity == 0 for k in kb._candidate_keys)
    type_keys(ui, kb, "wei")
    ui.press(kb._candidate_keys[candidate_texts(kb).index("伟")])
    assert kb.text == "张伟"


def test_the_arrows_page_the_candidates(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    type_keys(ui, kb, "li")
    everything = pinyin.candidates("li")
    assert kb.ids.prev.disabled and not kb.ids.next.disabled
    ui.press(kb.ids.prev)  # nothing before the first page
    assert candidate_texts(kb) == everything[:8]
    ui.press(kb.ids.next)
    assert candidate_texts(kb) == everything[8:16]
    assert not kb.ids.prev.disabled
    ui.press(kb._candidate_keys[0])
    assert kb.text == everything[8]


def test_letters_no_syllable_continues_with_are_greyed_out(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    assert key(kb, "v").disabled and not key(kb, "z").disabled
    type_keys(ui, kb, "zh")
    assert key(kb, "x").disabled and not key(kb, "a").disabled
    ui.press(key(kb, "x"))
    assert kb.buffer == "zh"


def test_delete_eats_the_pinyin_first_then_the_name(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    type_keys(ui, kb, "wang")
    ui.press(kb._candidate_keys[0])
    type_keys(ui, kb, "fa")
    ui.press(kb.ids.delete)
    assert (kb.text, kb.buffer) == ("王", "f")
    ui.press(kb.ids.delete)
    ui.press(kb.ids.delete)
    assert (kb.text, kb.buffer) == ("", "")


def test_latin_mode_types_capitalised_words_and_marks(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    assert kb.ids.mode.text == "英文"
    ui.press(kb.ids.mode)
    assert kb.mode == "latin" and kb.ids.mode.text == "拼音"
    assert key(kb, "a").text == "A"  # shift is on at the start of a name
    type_keys(ui, kb, "ann")
    assert key(kb, "a").text == "a"
    ui.press(kb.ids.space)
    ui.press(kb.ids.mark2)  # apostrophe
    type_keys(ui, kb, "bo")
    ui.press(kb.ids.mark1)  # hyphen in Latin mode
    type_keys(ui, kb, "x")
    assert kb.text == "Ann 'bo-X"
    ui.press(kb.ids.mode)
    assert kb.mode == "pinyin" and kb.ids.mark1.text == "·"


def test_space_takes_the_first_candidate_in_pinyin(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    assert kb.ids.space.disabled
    type_keys(ui, kb, "zhangsan")
    ui.press(kb.ids.space)
    assert kb.text == "张" and kb.buffer == "san"


def test_clear_empties_the_name(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    type_keys(ui, kb, "li")
    ui.press(kb._candidate_keys[0])
    type_keys(ui, kb, "na")
    kb.clear()
    assert (kb.text, kb.buffer, kb.candidates) == ("", "", [])
    assert all(k.text == "" for k in kb._candidate_keys)


def test_the_keys_follow_the_language(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    assert kb.ids.delete.text == "删除"
    ui.app.set_language("en")
    ui.frame()
    assert (kb.ids.delete.text, kb.ids.mode.text, kb.ids.shift.text) == ("Delete", "Latin", "Shift")


def _keys(kb: Any) -> list[Any]:
    from kiosk.ui.widgets.name_keyboard import KeyboardKey

    found = []
    stack = [kb]
    while stack:
        w = stack.pop()
        if isinstance(w, KeyboardKey) and w.opacity > 0:
            found.append(w)
        stack.extend(w.children)
    return found


def test_every_key_is_at_least_48_px_and_on_screen_at_each_size(keyboard: tuple[Ui, Any]) -> None:
    ui, kb = keyboard
    type_keys(ui, kb, "li")  # a full candidate strip
    for size in SIZES:
        ui.resize(size)
        ui.wait(lambda size=size: kb.width == size[0], f"the keyboard laid out at {size}")
        keys = _keys(kb)
        # letters, candidates, the two arrows, shift/delete/mode/space, the pinyin mark
        assert len(keys) == 26 + 8 + 2 + 4 + 1
        for k in keys:
            x, y = k.to_window(k.x, k.y)
            assert k.width >= 48 and k.height >= 48, (k.action, k.key, tuple(k.size), size)
            assert 0 <= x and x + k.width <= size[0] + 0.5 and 0 <= y and y + k.height <= size[1] + 0.5
        assert kb.height < size[1] * 0.75  # room above for the title and the name field
        rows: dict[int, list[Any]] = {}
        for k in keys:
            rows.setdefault(round(k.to_window(k.x, k.y)[1]), []).append(k)
        for row in rows.values():
            row.sort(key=lambda k: k.x)
            for a, b in zip(row, row[1:], strict=False):
                assert a.to_window(a.x, a.y)[0] + a.width <= b.to_window(b.x, b.y)[0] + 0.5, "keys overlap"
        for lang in ("en", "zh_CN"):  # English labels are the longer ones
            ui.app.set_language(lang)
            for mode in ("latin", "pinyin"):
                if kb.mode != mode:
                    ui.press(kb.ids.mode)
                    type_keys(ui, kb, "li" if mode == "pinyin" else "")
                ui.frame()
                assert layout_problems(kb, size) == [], (size, lang, mode)


def test_key_text_has_high_contrast(keyboard: tuple[Ui, Any]) -> None:
    _ui, kb = keyboard

    def luminance(rgba: list[float]) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (channel(c) for c in rgba[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def ratio(fg: list[float], bg: list[float]) -> float:
        hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    k = key(kb, "a")
    assert ratio(k.color, k.background_color) >= 7  # WCAG AAA for text
    assert ratio(kb._candidate_keys[0].color, kb._candidate_keys[0].background_color) >= 7


def test_the_first_keyboard_ranks_the_largest_lists_in_the_background(
        keyboard: tuple[Ui, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    ui, _kb = keyboard
    from kiosk.ui.pinyin import _ranked
    from kiosk.ui.widgets import name_keyboard

    _ranked.cache_clear()
    monkeypatch.setattr(name_keyboard, "_warm_started", False)  # as in a freshly started kiosk
    name_keyboard.NameKeyboard()
    # Every first letter plus zh, ch, sh, ranked without anyone typing.
    ui.wait(lambda: _ranked.cache_info().currsize >= 26, "the pinyin preload")
    name_keyboard.NameKeyboard()
    assert name_keyboard._warm_started
