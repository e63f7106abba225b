"""The one rule for text a person types (names, hosts, purposes, reasons, notes), on the kiosk
and at central alike: what is refused, and the one normal form stored.

Refused: control characters (Cc: NUL, ESC, ...), format characters (Cf: bidi overrides such
as U+202E that reorder a console's columns, zero-width joiners and spaces), private-use
characters (Co) and lone surrogates (Cs), and unassigned code points (Cn). Everything else is
kept: Chinese, Latin with accents, Arabic, emoji. Stored form: Unicode NFC, runs of spaces
folded to one, trimmed; line breaks only in fields that allow several lines. Unicode
categories come from the standard library's `unicodedata`, which tracks the Unicode
database; no pattern of code-point ranges is written by hand.
"""

from __future__ import annotations

import unicodedata

# Category -> what the refusal says. The reason never quotes the text: it may be personal.
_REFUSED = {
    "Cc": "control characters",
    "Cf": "invisible formatting characters",
    "Co": "private-use characters",
    "Cs": "invalid characters",
    "Cn": "unassigned characters",
}


class TextError(ValueError):
    """The text breaks the rule; `key` is stable for translations, str() says why in English."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def refused_kind(text: str) -> str | None:
    """What the first refused character in `text` is ("control characters", ...), or None."""
    for c in text:
        kind = _REFUSED.get(unicodedata.category(c))
        if kind is not None:
            return kind
    return None


def clean_text(text: str, *, field: str = "text", max_length: int = 200,
               required: bool = True, multiline: bool = False) -> str:
    """`text` in its stored form, or TextError naming the field and the rule it breaks.

    A one-line field (a name, a host, a purpose) refuses tabs and line breaks like any other
    control character: a CSV cell or an API value holding one is a mistake or an attack, not
    a name. A `multiline` field (a note, a deny reason) keeps line breaks (CRLF and CR become
    LF) and folds spaces within each line."""
    if not isinstance(text, str):
        raise TextError("text.not_text", f"{field} must be text")
    nfc = unicodedata.normalize("NFC", text)
    lines = nfc.replace("\r\n", "\n").replace("\r", "\n").split("\n") if multiline else [nfc]
    for line in lines:
        kind = refused_kind(line)
        if kind is not None:
            raise TextError("text.bad_characters", f"{field} contains {kind}")
    folded = "\n".join(" ".join(line.split()) for line in lines).strip()
    if required and not folded:
        raise TextError("text.empty", f"{field} is empty")
    if len(folded) > max_length:
        raise TextError("text.too_long", f"{field} is longer than {max_length} characters")
    return folded
