"""Find a CJK font through fontconfig and make it Kivy's default, or stop with a clear error.

Kivy's bundled Roboto has no Chinese glyphs (every character would be a box). The kiosk does
not ship a font: Debian's fonts-wqy-microhei (installed by `make sysdeps-run`) is found with
fontconfig, like any desktop application finds its fonts.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FONT_PACKAGE = "fonts-wqy-microhei"
# Preferred in this order when several CJK fonts are installed: the small one we install,
# then the Noto CJK family many images already carry.
PREFERRED = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


class FontError(Exception):
    """No font that can draw Chinese is installed."""


def _missing(why: str) -> FontError:
    return FontError(f"{why}. The touchscreen needs a Chinese font: install the Debian package "
                     f"{FONT_PACKAGE} (sudo apt-get install {FONT_PACKAGE}, or `make sysdeps-run`)")


def find_cjk_font(fc_list: str | None = None) -> Path:
    """The file of an installed font that covers Simplified Chinese (fontconfig's zh-cn)."""
    fc_list = fc_list or shutil.which("fc-list")
    if not fc_list:
        raise _missing("fontconfig's fc-list is not installed (Debian package fontconfig)")
    try:
        out = subprocess.run([fc_list, ":lang=zh-cn", "file", "family"], capture_output=True,
                             text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise _missing(f"fc-list failed: {exc}") from None
    fonts: list[tuple[str, Path]] = []
    for line in out.splitlines():
        file, _, family = line.partition(":")
        path = Path(file.strip())
        # Kivy's SDL2 text provider reads TrueType/OpenType files and collections.
        if path.suffix.lower() in (".ttf", ".ttc", ".otf", ".otc") and path.is_file():
            fonts.append((family.strip(), path))
    if not fonts:
        raise _missing("no installed font covers Chinese (fc-list :lang=zh-cn found none)")

    def rank(item: tuple[str, Path]) -> tuple[int, str]:
        family, path = item
        names = [n.strip() for n in family.split(",")]
        hits = [i for i, p in enumerate(PREFERRED) if p in names]
        # a "Mono" face of the same family is listed too; it is never preferred
        return (min(hits) if hits else len(PREFERRED), str(path))

    return sorted(fonts, key=rank)[0][1]


def install_default_font(path: Path) -> None:
    """Every Label and Button in the app draws with `path` (Kivy's default name is Roboto)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, fn_regular=str(path), fn_bold=str(path))
