"""Draw slip text as black-and-white images, for printers without a Chinese font (``text=raster``).

A printer with no GB18030/GBK font prints Chinese as garbage whatever mode command it gets, but
every thermal printer prints raster images (``GS v 0``). This module finds a CJK font through
fontconfig and draws each line of text into an image the width of the paper; the layout sends
those images instead of text bytes.

Sizes follow the printer's own font so a raster slip looks like a native one: 24 dots for normal
text (ESC/POS Font A is 12x24 dots, a Chinese character 24x24), 48 for the double-size title.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from devices.errors import DeviceConfigError

FONT_PACKAGE = "fonts-wqy-microhei"  # Debian; any font fontconfig lists for zh-cn will do
FONT_PATTERN = "sans:lang=zh-cn"
NORMAL_DOTS = 24
TITLE_DOTS = 48
LINE_GAP = 6  # dots between wrapped rows, about what the printer's default line spacing leaves

Align = Literal["left", "center"]


@dataclass(frozen=True, slots=True)
class FontFile:
    path: str
    index: int  # the face inside a .ttc collection


def find_cjk_font() -> FontFile:
    """The font fontconfig picks for Simplified Chinese; DeviceConfigError naming the package
    to install when there is none (fc-match then falls back to a Latin font, so its answer is
    checked for zh-cn coverage rather than trusted)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise DeviceConfigError(
            f"text=raster needs fontconfig (fc-match) and a Chinese font: install Debian packages "
            f"fontconfig and {FONT_PACKAGE}"
        )
    try:
        out = subprocess.run(
            [fc_match, "-f", "%{file}\t%{index}\t%{lang}", FONT_PATTERN],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DeviceConfigError(f"text=raster: fc-match failed ({exc}); is fontconfig installed?") from None
    path, index, langs = ([*out.stdout.split("\t"), "", "", ""])[:3]
    if out.returncode != 0 or not path or "zh-cn" not in langs.split("|"):
        raise DeviceConfigError(
            f"text=raster needs a Chinese font and fontconfig found none for {FONT_PATTERN!r}: "
            f"install Debian package {FONT_PACKAGE} (or any font covering zh-cn)"
        )
    try:
        face = int(index or 0)
    except ValueError:
        face = 0
    font = FontFile(path, face)
    try:
        _font(font, NORMAL_DOTS)  # unreadable now, not at the first visitor's slip
    except OSError as exc:
        raise DeviceConfigError(f"text=raster: cannot load the Chinese font {path}: {exc}") from None
    return font


@functools.lru_cache(maxsize=8)
def _font(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font.path, size, index=font.index)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, stroke: int) -> list[str]:
    """Greedy wrap by measured width: the printer wraps native text itself, an image must be
    wrapped here. Written by hand because textwrap counts characters, not dots, and knows no
    Chinese (which breaks between any two characters); a Latin word breaks at its last space."""
    if font.getlength(text) + 2 * stroke <= width:
        return [text]  # the usual case, measured once
    rows: list[str] = []
    row = ""
    for ch in text:
        if row and font.getlength(row + ch) + 2 * stroke > width:
            cut = row.rfind(" ")
            if ch != " " and cut > 0:
                rows.append(row[:cut])
                row = row[cut + 1 :]
            else:
                rows.append(row)
                row = ""
            if ch == " " and not row:
                continue  # no leading space on a wrapped row
        row += ch
    rows.append(row)
    return [r.rstrip() for r in rows]


def draw_text(text: str, font: FontFile, *, width: int, size: int = NORMAL_DOTS,
              align: Align = "left", bold: bool = False) -> Image.Image:
    """`text` drawn black on white, `width` dots wide, wrapped to as many rows as it needs.

    Mode "1" so the glyphs are drawn without anti-aliasing: a thermal head burns a dot or not,
    and thresholded grey edges come out ragged.
    """
    face = _font(font, size)
    stroke = 1 if bold else 0  # the printer's emphasis thickens strokes by about a dot
    ascent, descent = face.getmetrics()
    row_height = ascent + descent + 2 * stroke
    rows = _wrap(text, face, width, stroke)
    img = Image.new("1", (width, row_height * len(rows) + LINE_GAP * (len(rows) - 1)), 1)
    draw = ImageDraw.Draw(img)
    for i, row in enumerate(rows):
        used = int(face.getlength(row)) + 2 * stroke
        x = max(0, (width - used) // 2) if align == "center" else 0
        y = i * (row_height + LINE_GAP) + stroke
        draw.text((x + stroke, y), row, font=face, fill=0, stroke_width=stroke, stroke_fill=0)
    return img
