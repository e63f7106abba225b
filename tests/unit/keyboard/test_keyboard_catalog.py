"""Every text the keyboards show is translated in their own keyboard.po, in every language
(a file of their own, so it must stand without the shell's catalog)."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.ui import i18n
from tests.ui.msgids import UI, ui_msgids


def test_every_keyboard_text_is_in_keyboard_po_for_each_language(tmp_path: Path) -> None:
    used = ui_msgids(UI / "widgets")
    assert {"Delete", "Latin", "Pinyin", "Shift", "Space", "Choose"} <= set(used)
    for lang in i18n.LANGUAGES:
        (tmp_path / lang).mkdir()
        shutil.copy(i18n.CATALOG_DIR / lang / "keyboard.po", tmp_path / lang / "keyboard.po")
        texts = i18n.Catalogs(directory=tmp_path, languages=(lang,)).texts[lang]
        assert sorted(m for m in used if not texts.get(m)) == [], lang
    assert i18n.Catalogs(directory=tmp_path).gettext("Delete", "zh_CN") == "删除"
