"""Pick the console's language (cookie, else Accept-Language) and translate its strings.

Message ids are the English text; `translations/<lang>/LC_MESSAGES/console.po` holds the
other languages. The .po files are read with Babel at import, so there is no compile step and
no .mo file to forget (the catalogue is small).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"  # the product's home market; a browser saying otherwise wins
LANG_COOKIE = "lobby_lang"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
_DIR = Path(__file__).parent / "translations"

Translator = Callable[..., str]


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr for `lang` (empty for English, whose msgids are the text)."""
    path = _DIR / lang / "LC_MESSAGES" / "console.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


def translator(lang: str) -> Translator:
    table = catalogue(lang)

    def gettext(msgid: str, **params: object) -> str:
        text = table.get(msgid, msgid)
        return text.format(**params) if params else text

    return gettext


def _accept_language(header: str) -> list[str]:
    # Babel has no Accept-Language parser; this is the RFC 9110 q-value rule in a few lines.
    tags: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            tags.append((-q, i, tag.strip().lower()))
    return [t for _, _, t in sorted(tags)]


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The language for a request: an explicit choice, else the browser's first we have."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    for tag in _accept_language(accept_language or ""):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
