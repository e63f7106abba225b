"""Every text the UI shows, found in its source: `_("...")`/`N_("...")` in the .py files
(Babel's Python extractor) and `_("...", app.lang)` in the .kv files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.extract import extract

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "kiosk" / "ui"
KEYWORDS = {"_": None, "N_": None}
# In .kv rules the text is the first argument of _( ... ); a plain or escaped string literal.
KV_CALL = re.compile(r"""(?<![\w.])_\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


def where(path: Path, lineno: int) -> str:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{name}:{lineno}"


def py_msgids(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with path.open("rb") as fh:
        for lineno, msg, _comments, _ctx in extract("python", fh, keywords=KEYWORDS):
            text = msg if isinstance(msg, str) else msg[0]
            if text:
                out[text] = where(path, lineno)
    return out


def kv_msgids(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for m in KV_CALL.finditer(line):
            out[ast.literal_eval(m.group(1))] = where(path, lineno)
    return out


def ui_msgids(root: Path = UI) -> dict[str, str]:
    """msgid -> where it is used (one place), over every .py and .kv under kiosk/ui."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        found.update(py_msgids(path))
    for path in sorted(root.rglob("*.kv")):
        found.update(kv_msgids(path))
    return found
