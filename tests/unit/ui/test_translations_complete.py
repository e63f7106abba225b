"""Every text in the UI's code and .kv files is translated in every catalog, with the same
placeholders; the extractor itself finds what it must."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk.ui.i18n import LANGUAGES, Catalogs, placeholders
from tests.ui.msgids import kv_msgids, py_msgids, ui_msgids

CATALOGS = Catalogs()
MSGIDS = ui_msgids()


def test_the_ui_has_texts_to_check() -> None:
    assert {"Help", "Visitor check-in", "OK", "Diagnostics"} <= MSGIDS.keys()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_translated(lang: str) -> None:
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(MSGIDS.items())
               if msgid not in CATALOGS.texts[lang]]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str) -> None:
    bad = [msgid for msgid in MSGIDS if msgid in CATALOGS.texts[lang]
           and placeholders(CATALOGS.texts[lang][msgid]) != placeholders(msgid)]
    assert bad == []


def test_chinese_is_chinese() -> None:
    # A catalog copied from English would pass the checks above; zh_CN must differ.
    same = [m for m in MSGIDS if CATALOGS.texts["zh_CN"].get(m) == m and any(c.isalpha() for c in m)]
    assert same == []


def test_the_extractor_finds_py_and_kv_texts(tmp_path: Path) -> None:
    py = tmp_path / "probe.py"
    py.write_text('A = N_("Marked")\ndef f(_):\n    return _("Called {n}").format(n=1), g("Not")\n',
                  encoding="utf-8")
    kv = tmp_path / "probe.kv"
    kv.write_text('<X>:\n    text: _("In kv", app.lang)\n    hint: not_(\'no\')\n'
                  '    t: _(\'Single\', app.lang)\n', encoding="utf-8")
    assert set(py_msgids(py)) == {"Marked", "Called {n}"}
    assert set(kv_msgids(kv)) == {"In kv", "Single"}


KV_PLAIN_TEXT = re.compile(r"""^\s*(text|hint_text)\s*:\s*(.+?)\s*$""")


def literal(expr: str) -> str | None:
    try:
        value = ast.literal_eval(expr)
    except (ValueError, SyntaxError):
        return None  # an expression, not a bare string
    return value if isinstance(value, str) else None


def plain_kv_texts(path: Path) -> list[str]:
    """`text: "Words"` in a .kv rule: shown as is in every language (only digits and signs may)."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = KV_PLAIN_TEXT.match(line)
        text = literal(m.group(2)) if m else None
        if text is not None and any(c.isalpha() for c in text):
            out.append(f"{path.name}:{lineno}: {text!r}")
    return out


def test_no_kv_text_bypasses_the_catalogs() -> None:
    kv_files = sorted((Path(__file__).resolve().parents[3] / "kiosk" / "ui").rglob("*.kv"))
    assert kv_files
    assert [bad for p in kv_files for bad in plain_kv_texts(p)] == []


def test_the_plain_text_check_sees_words_not_digits(tmp_path: Path) -> None:
    kv = tmp_path / "x.kv"
    kv.write_text('<X>:\n    text: "Cancel"\n    text: "7"\n    text: _("OK", app.lang)\n'
                  "    hint_text: '姓名'\n", encoding="utf-8")
    assert plain_kv_texts(kv) == ["x.kv:2: 'Cancel'", "x.kv:5: '姓名'"]
