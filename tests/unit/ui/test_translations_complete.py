"""Every text in the UI's code and .kv files is translated in every catalog, with the same
placeholders; the extractor itself finds what it must."""

from __future__ import annotations

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
