"""Generate kiosk/ui/pinyin_table.json, the name keyboard's ranked syllable -> characters
table: `python -m kiosk.ui.pinyin_build` (tests check that regenerating gives the shipped file).

Data, all from packages we pin:
- Readings: pypinyin's `pinyin_dict` (41,923 characters with every reading, the usual one first).
- Frequency: jieba's `dict.txt` (349,046 words with counts). A character's frequency is the sum
  of the counts of every word it occurs in, not its count as a word alone: 伟 is rare alone but
  common in 伟大, and alone-counts put function words (为, 那) first.
- Name characters: the same file tags 72,842 entries `nr` (person names). Characters used in
  the given names of two- and three-character names with a common surname count three times
  as much as plain frequency (in logs), which lifts 伟 静 涵 轩 above words' characters.
  Chosen over pypinyin's phrase counts (idioms and classical phrases, so 尘 before 陈 and no
  name signal) and over frequency alone (`wei` gave 为位委未维围卫味 and no 伟).
- Surnames: the 2019 "百家姓" ranking of registered residents in 《二〇一九年全国姓名报告》,
  published by the Ministry of Public Security's 户政管理研究中心 in January 2020. Its top 20,
  in order, rank above everything else on any syllable they match; ranks 21 to 100 come next
  on their own syllable. (The 2020 report keeps the same 20; 林, 高 and 罗 trade places
  between years, which moves nothing here: they never share a syllable.)

Characters are those of the CJK Unified Ideographs block (U+4E00..U+9FFF), which holds every
character of GB 2312 and GBK; rarer extension blocks are left out since a kiosk font may not
draw them. GB 2312's 6,763 characters (the mainland's common simplified set) rank before the
block's traditional and rare characters. Interjection-only syllables (m, n, ng, hm, hng) are
left out so that typing `n` offers 倪 and 牛 rather than 嗯.
"""

from __future__ import annotations

import json
import math
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Final

from kiosk.ui.pinyin import SURNAME_SCORE, TABLE_FILE, TOP_SURNAME_SCORE

TOP_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
# Ranks 21..100 of the same report.
MORE_SURNAMES: Final = (
    "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
    "夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向欧"
)
# The reading a surname takes where it is not the character's usual one (曾 is céng in 曾经).
SURNAME_READINGS: Final = {"曾": "zeng", "覃": "qin"}
LEFT_OUT_SYLLABLES: Final = frozenset({"m", "n", "ng", "hm", "hng"})
BLOCK: Final = range(0x4E00, 0xA000)
OTHER_READING_WEIGHT: Final = 0.3  # 长 as zhang, 行 as hang: behind the usual readings
OUTSIDE_GB2312_WEIGHT: Final = 0.3
NAME_WEIGHT: Final = 3.0
# Combining marks kept while tones go: the diaeresis of ü (U+0308).
_KEEP_MARKS: Final = frozenset({"\u0308"})


def toneless(reading: str) -> str:
    """`lǜ` -> `lv`, `zhāng` -> `zhang`, `ê̄` -> `e`."""
    decomposed = unicodedata.normalize("NFD", reading)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c in _KEEP_MARKS)
    return unicodedata.normalize("NFC", kept).replace("ü", "v")


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _jieba_counts() -> tuple[Counter[str], Counter[str]]:
    """(character -> summed word counts, character -> given-name uses) from jieba's dict.txt."""
    import jieba  # build-time only; the kiosk never loads it

    surnames = set(TOP_SURNAMES + MORE_SURNAMES)
    freq: Counter[str] = Counter()
    given: Counter[str] = Counter()
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, count, tag = line.split()
            for char in set(word):
                freq[char] += int(count)
            if tag == "nr" and len(word) in (2, 3) and word[0] in surnames:
                given.update(word[1:])
    return freq, given


def _readings() -> dict[str, list[str]]:
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(cp): text.split(",") for cp, text in pinyin_dict.items() if cp in BLOCK}


def build() -> dict[str, list[tuple[str, int]]]:
    freq, given = _jieba_counts()
    ranks = {c: i for i, c in enumerate(TOP_SURNAMES + MORE_SURNAMES)}
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for char, readings in _readings().items():
        base = math.log1p(freq[char]) + NAME_WEIGHT * math.log1p(given[char])
        if not _in_gb2312(char):
            base *= OUTSIDE_GB2312_WEIGHT
        surname_reading = SURNAME_READINGS.get(char, toneless(readings[0]))
        for i, reading in enumerate(readings):
            syllable = toneless(reading)
            if syllable in LEFT_OUT_SYLLABLES:
                continue
            score = round(100 * base * (1.0 if i == 0 else OTHER_READING_WEIGHT))
            if char in ranks and syllable == surname_reading:
                # Above every frequency score, the more common surname higher.
                rank = ranks[char]
                top = rank < len(TOP_SURNAMES)
                score = (TOP_SURNAME_SCORE if top else SURNAME_SCORE) + len(ranks) - rank
            # A character with two readings that lose their tones alike (为 wéi, wèi) keeps the best.
            table[syllable][char] = max(score, table[syllable].get(char, 0))
    return {syl: sorted(chars.items(), key=lambda cs: (-cs[1], cs[0]))
            for syl, chars in sorted(table.items())}


def render(data: dict[str, list[tuple[str, int]]]) -> str:
    """The JSON text, one syllable a line so a regenerated file diffs readably."""
    # Characters as one string and scores as one list: far fewer JSON values to parse on a Pi
    # than a pair per character.
    lines = []
    for syl, items in data.items():
        entry = ["".join(c for c, _ in items), [s for _, s in items]]
        lines.append(f"{json.dumps(syl)}: {json.dumps(entry, ensure_ascii=False)}")
    return '{"syllables": {\n' + ",\n".join(lines) + "\n}}\n"


def target() -> Path:
    return Path(__file__).with_name(TABLE_FILE)


def main() -> int:
    text = render(build())
    target().write_text(text, encoding="utf-8")
    print(f"wrote {target()} ({len(text.encode('utf-8'))} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
