"""Keypad under Xvfb, driven by touches inside the running app: a resident ID with X last,
the letters page for a passport, + for a mobile, keys that cannot come next greyed out,
switching the document type, clear, and keys >= 48 px on screen at every supported size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lobby_core import id_documents as ids
from tests.ui.conftest import SIZES, Ui
from tests.ui.layout_check import layout_problems


@pytest.fixture
def keypad(make_ui: Callable[..., Ui]) -> Iterator[tuple[Ui, Any]]:
    ui = make_ui()
    from kiosk.ui.widgets.keypad import Keypad

    pad = Keypad(size_hint_x=None, width=ui.window.width / 2, pos=(0, 0))
    ui.window.add_widget(pad)
    ui.wait(lambda: pad.ids.grid.children and pad.ids.grid.children[0].width > 0, "the keypad laid out")
    try:
        yield ui, pad
    finally:
        ui.window.remove_widget(pad)


def laid_out(ui: Ui, pad: Any) -> None:
    # New keys all sit at (0, 0) until the grid places them.
    ui.wait(lambda: len({(k.x, k.y) for k in pad.keys.values()}) == len(pad.keys), "the keys laid out")
    ui.frame()


def tap_keys(ui: Ui, pad: Any, keys: str) -> None:
    for k in keys:
        ui.press(pad.keys[k])


def test_a_resident_id_takes_x_only_last(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.kind = ids.CN_RIC
    laid_out(ui, pad)
    assert pad.allow_x and pad.max_length == 18 and "ABC" not in [k.text for k in pad.keys.values()]
    assert pad.keys["X"].disabled and pad.keys["delete"].disabled
    ui.press(pad.keys["X"])
    assert pad.text == ""
    tap_keys(ui, pad, "11010519491231002")
    assert not pad.keys["X"].disabled
    ui.press(pad.keys["X"])
    assert pad.text == "11010519491231002X"
    assert all(pad.keys[d].disabled for d in "0123456789X")  # full
    ui.press(pad.keys["delete"])
    assert pad.text == "11010519491231002"


def test_a_passport_number_uses_the_letters_page(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.kind = ids.PASSPORT
    laid_out(ui, pad)
    ui.press(pad.keys["page"])
    assert pad.letters_shown and pad.ids.grid.cols == 7 and len(pad.keys) == 28
    ui.press(pad.keys["E"])
    ui.press(pad.keys["page"])
    assert not pad.letters_shown
    tap_keys(ui, pad, "12345678")
    assert pad.text == "E12345678"


def test_a_hong_kong_permit_starts_with_h_or_m(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.kind = ids.HK_MACAO_PERMIT
    laid_out(ui, pad)
    assert all(pad.keys[d].disabled for d in "0123456789")
    ui.press(pad.keys["page"])
    assert pad.keys["A"].disabled and not pad.keys["H"].disabled
    ui.press(pad.keys["H"])
    assert pad.keys["H"].disabled  # only first
    ui.press(pad.keys["page"])
    tap_keys(ui, pad, "12345678")
    assert pad.text == "H12345678"


def test_a_mobile_number_takes_plus_first(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.kind = "mobile"
    laid_out(ui, pad)
    assert pad.allow_plus and not pad.allow_x
    ui.press(pad.keys["+"])
    assert pad.keys["+"].disabled
    tap_keys(ui, pad, "447911123456")
    assert pad.text == "+447911123456"


def test_plain_digits_with_x_and_a_length(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.max_length = 4
    pad.allow_x = True
    laid_out(ui, pad)
    tap_keys(ui, pad, "123")
    ui.press(pad.keys["X"])
    ui.press(pad.keys["5"])
    assert pad.text == "123X"
    pad.allow_x = False
    laid_out(ui, pad)
    assert pad.text == "123" and pad.keys["none"].opacity == 0


def test_switching_the_type_keeps_what_still_fits(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.kind = ids.CN_RIC
    laid_out(ui, pad)
    tap_keys(ui, pad, "123456789012")
    pad.kind = ids.TAIWAN_PERMIT
    assert pad.text == "1234567890" and pad.max_length == 10
    pad.kind = ids.HK_MACAO_PERMIT
    assert pad.text == ""  # a permit starts with H or M


def test_clear_and_an_unknown_type(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    laid_out(ui, pad)
    tap_keys(ui, pad, "42")
    pad.clear()
    assert pad.text == "" and pad.keys["delete"].disabled
    with pytest.raises(ValueError, match="cn_ric"):
        pad.kind = "library_card"


def test_keys_are_at_least_48_px_and_on_screen_at_each_size(keypad: tuple[Ui, Any]) -> None:
    ui, pad = keypad
    pad.kind = ids.PASSPORT
    for size in SIZES:
        ui.resize(size)
        for letters in (False, True):
            if pad.letters_shown != letters:
                ui.press(pad.keys["page"])
            pad.width = min(size) / 2 if letters is False else min(size) * 0.6
            ui.wait(lambda: all(k.width > 0 for k in pad.keys.values()), "keys laid out")
            for _ in range(3):
                laid_out(ui, pad)
            for name, k in pad.keys.items():
                x, y = k.to_window(k.x, k.y)
                assert k.width >= 48 and k.height >= 48, (name, tuple(k.size), size)
                assert 0 <= x and x + k.width <= size[0] + 0.5 and 0 <= y and y + k.height <= size[1] + 0.5
            for lang in ("en", "zh_CN"):
                ui.app.set_language(lang)
                ui.frame()
                assert layout_problems(pad, size) == [], (size, lang, letters)
