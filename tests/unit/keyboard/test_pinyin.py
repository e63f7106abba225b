"""The pinyin candidate table: the issue's ranking claims exactly as stated, partial and run-on
syllables, paging, hostile input, and that the shipped table is what the builder makes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.ui import pinyin, pinyin_build
from kiosk.ui.pinyin import PAGE_SIZE, PinyinError, candidates, page, split

# The 20 most common surnames (《二〇一九年全国姓名报告》) with their syllables, written out
# here rather than read from the builder so a change there is caught.
TOP_20 = {"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
          "黄": "huang", "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma",
          "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he", "林": "lin", "高": "gao", "罗": "luo"}


def first_row(letters: str) -> list[str]:
    return candidates(letters)[:PAGE_SIZE]


def test_zhang_offers_张_in_the_first_row() -> None:
    assert "张" in first_row("zhang")


@pytest.mark.parametrize(("surname", "syllable"), sorted(TOP_20.items(), key=lambda kv: kv[1]))
def test_each_top_20_surname_is_in_the_first_row_of_its_syllable(surname: str, syllable: str) -> None:
    assert surname in first_row(syllable)


def test_the_top_20_lead_their_syllable_in_the_report_order() -> None:
    assert first_row("zhang")[0] == "张"
    assert first_row("wang")[0] == "王"
    # 徐 (11th) before 许 (26th) on xu; 周 (10th) before 邹 (on zhou only by the exact rule).
    xu = candidates("xu")
    assert xu.index("徐") < xu.index("许")


@pytest.mark.parametrize("letters", ["zh", "zha", "zhan", "z"])
def test_partial_syllables_already_offer_张(letters: str) -> None:
    assert "张" in first_row(letters)


def test_a_partial_syllable_offers_the_characters_of_every_syllable_it_begins() -> None:
    zh = set(candidates("zh"))
    for syllable in ("zha", "zhang", "zhong", "zhuo"):
        assert set(candidates(syllable)) <= zh


def test_an_exact_syllable_ranks_its_own_characters_before_longer_syllables_ones() -> None:
    zha = candidates("zha")
    # 张 赵 (top surnames of zhang, zhao) first; then zha's own 扎 before zhan's 展.
    assert zha[:2] == ["张", "赵"]
    assert zha.index("扎") < zha.index("展")
    assert "扎" not in first_row("zh")[:2]


def test_surname_readings_not_the_usual_one_are_boosted() -> None:
    assert "曾" in first_row("zeng")  # usually céng
    assert "覃" in first_row("qin")  # usually tán


def test_a_common_name_character_beats_a_function_word() -> None:
    wei = candidates("wei")
    assert "伟" in wei[:PAGE_SIZE]
    jing = candidates("jing")
    assert jing.index("静") < jing.index("竟")


def test_a_rare_reading_ranks_after_the_usual_readings() -> None:
    # 方 is also read wǎng in old texts; it must not come before 望 or 往.
    wang = candidates("wang")
    assert wang.index("方") > wang.index("往")


def test_toneless_syllables_offer_every_tone() -> None:
    ma = candidates("ma")
    for char in "妈麻马骂":  # mā má mǎ mà
        assert char in ma


def test_v_stands_for_ü_and_lue_for_lve() -> None:
    assert first_row("lv")[0] == "吕"
    assert "女" in first_row("nv")
    assert candidates("lue") == candidates("lve")
    assert "略" in first_row("lue")
    assert "吕" not in candidates("lu")  # lǘ is not lú


def test_interjection_syllables_are_left_out() -> None:
    assert "嗯" not in candidates("n")
    assert split("n") == ("n", "")  # n still begins na, ni, niu...
    assert "倪" in candidates("n")


def test_characters_are_from_the_basic_block_and_not_repeated() -> None:
    for syllable in ("yi", "zh", "shi", "x"):
        found = candidates(syllable)
        assert len(found) == len(set(found))
        assert all(0x4E00 <= ord(c) <= 0x9FFF for c in found)


def test_gb2312_characters_rank_before_traditional_ones() -> None:
    zhang = candidates("zhang")
    assert zhang.index("张") < zhang.index("張")


@pytest.mark.parametrize(("letters", "expected"), [
    ("zhangsan", ("zhang", "san")),
    ("zhangs", ("zhang", "s")),
    ("xian", ("xian", "")),  # one syllable, not xi + an
    ("xiane", ("xian", "e")),
    ("fangan", ("fang", "an")),
    ("ouyangxiu", ("ou", "yangxiu")),
    ("lvxx", ("lv", "xx")),
    ("zh", ("zh", "")),
    ("vvv", ("", "vvv")),
    ("", ("", "")),
])
def test_split_takes_the_first_syllable_and_leaves_the_rest(letters: str, expected: tuple[str, str]) -> None:
    assert split(letters) == expected


def test_several_syllables_offer_the_first_syllables_candidates() -> None:
    assert candidates("zhangsan") == candidates("zhang")
    assert candidates("vvv") == []
    assert candidates("") == []


def test_upper_case_is_folded() -> None:
    assert candidates("ZHANG") == candidates("zhang")
    assert candidates("ZhAnG") == candidates("zhang")


@pytest.mark.parametrize("letters", ["zh ang", "zhang1", "zhāng", "张", "zhang'san", "ｚｈａｎｇ", "\x00",
                                     "\u017f", "\u0131", "\u212a"])
def test_non_letters_are_refused_with_a_message_that_does_not_quote_them(letters: str) -> None:
    with pytest.raises(PinyinError) as err:
        candidates(letters)
    assert letters not in str(err.value)


def test_non_text_is_refused() -> None:
    with pytest.raises(PinyinError):
        candidates(None)  # type: ignore[arg-type]


def test_very_long_input_reads_only_its_first_syllable() -> None:
    assert candidates("zhang" * 20_000) == candidates("zhang")
    assert split("zhang" * 3) == ("zhang", "zhangzhang")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=40))
def test_any_letters_give_a_readable_split_and_candidates_for_its_head(letters: str) -> None:
    head, rest = split(letters)
    assert head + rest == letters.lower()
    found = candidates(letters)
    assert (found == []) == (head == "")
    assert len(found) == len(set(found))


@given(st.text(max_size=30))
def test_any_text_gives_candidates_or_a_pinyin_error(text: str) -> None:
    try:
        found = candidates(text)
    except PinyinError:
        assert not (text.isascii() and text.isalpha()) and text != ""
    else:
        assert isinstance(found, list)


def test_paging_walks_the_candidates_eight_at_a_time() -> None:
    items = candidates("zhang")
    assert len(items) > 2 * PAGE_SIZE
    first, second = page(items, 0), page(items, 1)
    assert first.items == tuple(items[:8]) and second.items == tuple(items[8:16])
    assert not first.has_prev and first.has_next
    assert second.has_prev
    last = page(items, first.count - 1)
    assert not last.has_next and last.items == tuple(items[(first.count - 1) * 8:])
    assert first.count == -(-len(items) // 8)


def test_paging_past_either_end_stays_on_the_end_page() -> None:
    items = [str(i) for i in range(17)]
    assert page(items, 99).index == 2 and page(items, 99).items == ("16",)
    assert page(items, -5).index == 0
    empty = page([], 3)
    assert empty == pinyin.Page((), 0, 0) and not empty.has_next and not empty.has_prev
    exact = page([str(i) for i in range(16)], 1)
    assert exact.count == 2 and not exact.has_next
    with pytest.raises(ValueError):
        page(items, 0, size=0)


def test_the_shipped_table_is_what_the_builder_makes() -> None:
    shipped = pinyin_build.target().read_text(encoding="utf-8")
    assert pinyin_build.render(pinyin_build.build()) == shipped


def test_the_table_is_parsed_once() -> None:
    assert pinyin.table() is pinyin.table()


def test_toneless_keeps_ü_as_v() -> None:
    assert pinyin_build.toneless("lǜ") == "lv"
    assert pinyin_build.toneless("zhāng") == "zhang"
    assert pinyin_build.toneless("ê̄") == "e"
