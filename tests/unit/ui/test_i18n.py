"""The catalogs: every .po of a language merged, conflicts and broken files refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ui.i18n import CatalogError, Catalogs

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

{entries}'''


def write(folder: Path, name: str, entries: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n".join(f'msgid "{k}"\nmsgstr "{v}"\n' for k, v in entries.items())
    (folder / name).write_text(PO.format(entries=body), encoding="utf-8")


def test_every_po_file_of_a_language_is_loaded(tmp_path: Path) -> None:
    write(tmp_path / "zh_CN", "shell.po", {"Help": "呼叫帮助"})
    write(tmp_path / "zh_CN", "visitor.po", {"Name": "姓名"})
    write(tmp_path / "en", "shell.po", {"Help": "Help", "Name": "Name"})
    cats = Catalogs(tmp_path)
    assert cats.gettext("Name", "zh_CN") == "姓名" and cats.gettext("Help", "zh_CN") == "呼叫帮助"
    assert cats.translator("en")("Help") == "Help"
    assert cats.gettext("Not there", "zh_CN") == "Not there"  # gettext's fallback


def test_one_text_translated_two_ways_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "zh_CN", "a.po", {"Help": "帮助"})
    write(tmp_path / "zh_CN", "b.po", {"Help": "呼叫帮助"})
    write(tmp_path / "en", "a.po", {"Help": "Help"})
    with pytest.raises(CatalogError, match=r"b\.po.*'Help'.*a\.po"):
        Catalogs(tmp_path)


def test_untranslated_and_fuzzy_entries_are_not_used(tmp_path: Path) -> None:
    write(tmp_path / "zh_CN", "a.po", {"Help": ""})
    (tmp_path / "zh_CN" / "b.po").write_text(
        PO.format(entries='#, fuzzy\nmsgid "Exit"\nmsgstr "出口"\n'), encoding="utf-8")
    write(tmp_path / "en", "a.po", {"Help": "Help"})
    cats = Catalogs(tmp_path)
    assert cats.gettext("Help", "zh_CN") == "Help" and cats.gettext("Exit", "zh_CN") == "Exit"


def test_a_broken_file_or_a_missing_language_stops_with_the_path(tmp_path: Path) -> None:
    write(tmp_path / "en", "a.po", {"Help": "Help"})
    with pytest.raises(CatalogError, match="no .po files for zh_CN"):
        Catalogs(tmp_path)
    (tmp_path / "zh_CN").mkdir()
    for broken in (b"garbage here\n", b'msgid "a"\n', b'msgid "a"\nmsgstr "\xff\xfe"\n'):
        (tmp_path / "zh_CN" / "bad.po").write_bytes(broken)
        with pytest.raises(CatalogError, match=r"bad\.po: cannot read the catalog"):
            Catalogs(tmp_path)


def test_an_unsupported_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        Catalogs().translator("fr")
