"""The screen's texts: gettext catalogs (Babel .po files) under assets/translations/<lang>/.

Every `.po` file in a language's directory is loaded and merged, so each part of the UI keeps
its own file (shell.po, visitor.po, keyboard.po ...). msgids are the English source texts;
zh_CN is the default language and en is complete too (tests/ui/test_translations.py checks
that every string in the code and the .kv files is translated in every catalog).
.po files are read directly with Babel: no compile step, so a technician can fix a text in
place. No Kivy here: presenters translate without it.
"""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Callable
from pathlib import Path

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
CATALOG_DIR = Path(__file__).resolve().parents[2] / "assets" / "translations"
# What the language button shows for each language, always in that language itself.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}

Translate = Callable[[str], str]


class CatalogError(Exception):
    """A catalog file cannot be read, or two files translate one text differently."""


def N_(msgid: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Marks a text for translation where it is defined; it is translated where shown."""
    return msgid


class Catalogs:
    """msgid -> msgstr for each language, from every .po file under `directory/<lang>/`."""

    def __init__(self, directory: Path = CATALOG_DIR, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.directory = directory
        self.languages = languages
        self.texts: dict[str, dict[str, str]] = {lang: self._load(lang) for lang in languages}

    def _load(self, lang: str) -> dict[str, str]:
        folder = self.directory / lang
        files = sorted(folder.glob("*.po"))
        if not files:
            raise CatalogError(f"no .po files for {lang} in {folder}")
        texts: dict[str, str] = {}
        origin: dict[str, str] = {}
        for path in files:
            try:
                with path.open("rb") as fh:
                    catalog = read_po(fh, locale=lang, abort_invalid=True)
            except Exception as exc:  # Babel raises several kinds for a broken file
                raise CatalogError(f"{path}: cannot read the catalog: {exc}") from None
            for message in catalog:
                if not message.id or not isinstance(message.id, str) or message.fuzzy:
                    continue
                text = message.string if isinstance(message.string, str) else ""
                if not text:
                    continue
                if message.id in texts and texts[message.id] != text:
                    raise CatalogError(f"{path}: {message.id!r} is translated differently in "
                                       f"{origin[message.id]}")
                texts[message.id] = text
                origin[message.id] = path.name
        return texts

    def gettext(self, msgid: str, lang: str) -> str:
        """The translation, or the English msgid itself when a catalog lacks it (as gettext
        does); the translation check keeps that from happening in a release."""
        return self.texts.get(lang, {}).get(msgid, msgid)

    def translator(self, lang: str) -> Translate:
        if lang not in self.languages:
            raise ValueError(f"unsupported language {lang!r}; expected one of {self.languages}")
        return lambda msgid: self.gettext(msgid, lang)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


_default: Catalogs | None = None
_default_lock = threading.Lock()


def catalogs() -> Catalogs:
    """The catalogs from CATALOG_DIR, loaded once."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Catalogs()
        return _default


def translator(lang: str) -> Translate:
    return catalogs().translator(lang)


def tr(msgid: str, lang: str) -> str:
    """For .kv rules: `text: _("Help", app.lang)` re-evaluates when the language changes."""
    return catalogs().gettext(msgid, lang)
