"""The name composer: pinyin buffer -> candidates -> pick, paging, backspace order, Latin mode,
the form's length limit, and keys no keyboard has."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.app.visitor_form import TEXT_MAX, VisitorForm, validate
from kiosk.ui import pinyin
from kiosk.ui.keyboards import Mode, NameComposer
from kiosk.ui.keyboards.name_composer import BUFFER_MAX, INTERPUNCT


def typed(composer: NameComposer, keys: str) -> list[bool]:
    return [composer.press(k) for k in keys]


def test_typing_pinyin_and_picking_composes_a_name() -> None:
    c = NameComposer()
    typed(c, "zhang")
    assert c.buffer == "zhang" and c.composing
    assert c.page().items[0] == "张"
    assert c.pick(0)
    assert c.text == "张" and c.buffer == "" and not c.composing
    typed(c, "wei")
    assert c.pick(c.page().items.index("伟"))
    assert c.text == "张伟"


def test_picking_from_a_run_of_syllables_leaves_the_rest_in_the_buffer() -> None:
    c = NameComposer()
    typed(c, "zhangsan")
    assert c.buffer_display() == "zhang'san"
    assert c.candidates == pinyin.candidates("zhang")
    c.pick(0)
    assert (c.text, c.buffer) == ("张", "san")
    assert c.candidates == pinyin.candidates("san")
    assert c.space()  # space picks the first candidate
    assert c.text == "张" + pinyin.candidates("san")[0] and c.buffer == ""


def test_keys_that_make_the_pinyin_unreadable_are_refused() -> None:
    c = NameComposer()
    assert typed(c, "v") == [False]
    assert typed(c, "zhx") == [True, True, False]
    assert c.buffer == "zh"


def test_upper_case_letters_type_pinyin() -> None:
    c = NameComposer()
    typed(c, "ZHANG")
    assert c.buffer == "zhang"


def test_paging_moves_through_the_candidates_and_resets_on_a_new_letter() -> None:
    c = NameComposer()
    typed(c, "zhang")
    all_items = pinyin.candidates("zhang")
    assert not c.prev_page()
    assert c.next_page() and c.page().items == tuple(all_items[8:16])
    assert c.pick(0) and c.text == all_items[8]  # a pick takes from the page shown
    typed(c, "li")
    assert c.page_index == 0
    while c.next_page():
        pass
    assert not c.page().has_next and c.page_index == c.page().count - 1
    assert c.prev_page() and c.page_index == c.page().count - 2
    c.press("n")
    assert c.page_index == 0


def test_pick_outside_the_page_is_refused() -> None:
    c = NameComposer()
    assert not c.pick(0)  # nothing typed
    typed(c, "zhang")
    assert not c.pick(8) and not c.pick(-1)
    assert c.text == ""


def test_backspace_eats_the_buffer_before_the_name() -> None:
    c = NameComposer()
    typed(c, "zhang")
    c.pick(0)
    typed(c, "we")
    assert c.backspace() and c.buffer == "w" and c.text == "张"
    assert c.backspace() and c.buffer == "" and c.text == "张"
    assert c.candidates == []
    assert c.backspace() and c.text == ""
    assert not c.backspace()


def test_the_interpunct_joins_transcribed_names_but_not_mid_syllable() -> None:
    c = NameComposer()
    typed(c, "a")
    assert not c.press(INTERPUNCT)
    c.pick(0)
    assert c.press(INTERPUNCT)
    assert c.text.endswith(INTERPUNCT)


def test_latin_mode_capitalises_words_and_takes_name_marks() -> None:
    c = NameComposer()
    assert c.toggle_mode() is Mode.LATIN
    typed(c, "mary o'neil-smith jr.")
    assert c.text == "Mary O'neil-Smith Jr."
    assert not c.press(" ") or c.text.endswith(" ")
    assert not c.press(" ")  # no doubled space
    c.clear()
    assert not c.press(" ")  # no leading space
    assert c.toggle_shift() is False  # shift was on at the start of a name: now off
    typed(c, "e")
    assert c.text == "e"


def test_latin_backspace_to_a_word_start_turns_shift_back_on() -> None:
    c = NameComposer()
    c.toggle_mode()
    typed(c, "ab")
    c.backspace()
    assert not c.shift
    c.backspace()
    assert c.shift


def test_switching_to_latin_keeps_pending_letters_and_back_types_pinyin() -> None:
    c = NameComposer()
    typed(c, "li")
    c.toggle_mode()
    assert (c.text, c.buffer, c.mode) == ("li", "", Mode.LATIN)
    assert not c.shift
    assert c.toggle_mode() is Mode.PINYIN
    typed(c, "wang")
    assert c.buffer == "wang" and not c.shift


@pytest.mark.parametrize("key", ["1", "!", "张", "ab", "", "\x1b", "\u202e", " "])
def test_keys_the_pinyin_keyboard_does_not_have_are_refused(key: str) -> None:
    c = NameComposer()
    with pytest.raises(ValueError):
        c.press(key)
    assert c.text == "" and c.buffer == ""


@pytest.mark.parametrize("key", ["1", "·", "张", "é", "\n", "\u200b", "<"])
def test_keys_the_latin_keyboard_does_not_have_are_refused(key: str) -> None:
    c = NameComposer()
    c.toggle_mode()
    with pytest.raises(ValueError):
        c.press(key)
    assert c.text == ""


def test_the_buffer_holds_at_most_four_syllables_of_letters() -> None:
    c = NameComposer()
    results = typed(c, "zhuang" * 5)
    assert results.count(True) == BUFFER_MAX and len(c.buffer) == BUFFER_MAX


def test_the_name_stops_at_the_forms_limit() -> None:
    c = NameComposer()
    for _ in range(TEXT_MAX):
        typed(c, "li")
        assert c.pick(0)
    assert c.full and len(c.text) == TEXT_MAX
    assert not c.press("l")  # nothing more, not even letters waiting for a pick
    c.toggle_mode()
    assert not c.press("a")
    assert len(c.text) == TEXT_MAX


def test_switching_to_latin_near_the_limit_keeps_the_name_within_it() -> None:
    c = NameComposer(max_length=3)
    typed(c, "li")
    c.pick(0)
    typed(c, "wang")
    c.toggle_mode()
    assert len(c.text) == 3


def test_a_small_limit_and_a_bad_one() -> None:
    c = NameComposer(max_length=1)
    typed(c, "li")
    assert c.pick(0) and c.full
    assert not c.press(INTERPUNCT)
    with pytest.raises(ValueError):
        NameComposer(max_length=0)


def test_clear_empties_name_and_buffer_but_keeps_the_mode() -> None:
    c = NameComposer()
    typed(c, "li")
    c.pick(0)
    typed(c, "na")
    c.clear()
    assert (c.text, c.buffer, c.candidates, c.mode) == ("", "", [], Mode.PINYIN)
    c.toggle_mode()
    typed(c, "x")
    c.clear()
    assert c.mode is Mode.LATIN and c.shift


_KEYS = st.sampled_from(["a", "e", "g", "h", "i", "n", "o", "u", "z", "x", "v", "Q", INTERPUNCT,
                         "pick0", "pick7", "next", "prev", "back", "space", "mode", "shift", " ", "'", "-"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_KEYS, max_size=60))
def test_any_key_sequence_leaves_a_name_the_form_accepts_or_an_empty_one(keys: list[str]) -> None:
    c = NameComposer(max_length=12)
    for key in keys:
        actions = {"pick0": lambda: c.pick(0), "pick7": lambda: c.pick(7), "next": c.next_page,
                   "prev": c.prev_page, "back": c.backspace, "space": c.space, "mode": c.toggle_mode,
                   "shift": c.toggle_shift}
        if key in actions:
            actions[key]()
            continue
        try:
            c.press(key)
        except ValueError:
            assert (c.mode is Mode.PINYIN) == (key in " '-") or key == INTERPUNCT
        assert len(c.text) <= 12 and len(c.buffer) <= BUFFER_MAX
        assert 0 <= c.page_index < max(1, c.page().count)
    if c.text.strip():
        form = VisitorForm(id_type="passport", id_number="E12345678", name=c.text, mobile="13800138000",
                           host="Room 1201", purpose="visit", privacy_notice_version="v1", country="GBR")
        assert validate(form, notice_version="v1", today=dt.date(2026, 5, 1)).request.name


def test_candidates_never_learn_from_what_earlier_visitors_picked() -> None:
    # No completion and no earlier entries: the order is the table's, whatever was picked.
    fresh = pinyin.candidates("zhang")
    c = NameComposer()
    for _ in range(5):
        typed(c, "zhang")
        c.pick(7)
    c.clear()
    typed(c, "zhang")
    assert c.candidates == fresh
    assert NameComposer().text == "" and NameComposer().candidates == []
