"""Lay out a visitor slip as the exact ESC/POS bytes a thermal printer receives.

One layout for every printer driver (real and sim): the slip is rendered onto python-escpos's
Dummy printer and the collected bytes are then sent in one piece by the transport.

Choices, for 58 mm (384 dots) and 80 mm (576 dots) printers:

* ``ESC @`` first: python-escpos never sends it, and a half-finished earlier job may have left
  the printer in double size or upside-down mode.
* Chinese text: Chinese-firmware printers (Xprinter, Gprinter, Rongta, Zjiang, Epson "Simplified
  Chinese" models) print two-byte GB18030/GBK codes only in "Chinese character mode". It is on
  by default on most of them but ESC @ and other software may turn it off, so when the slip has
  any non-ASCII character we send ``FS &`` (1C 26, select Chinese character mode) right after
  ``ESC @`` and encode all text ourselves (python-escpos only switches to GB18030 for text in
  U+4E00..U+9FA5 and sends no mode command; full-width punctuation alone becomes ``?``).
  ``charset=gb18030`` (default) sends four-byte codes for rare characters, which printers with a
  GB18030 font print; ``charset=gbk`` replaces those with ``?`` for GBK/GB2312-only fonts;
  ``charset=ascii`` is for printers without a Chinese font.
* ``text=raster`` (default ``native``): for printers without any Chinese font, every text line
  is drawn with a CJK font found through fontconfig (devices.printer.raster_text) and sent as a
  ``GS v 0`` image the width of the paper, already aligned; no text bytes and no ``FS &`` are
  sent, so ``charset`` does not apply. The title is drawn double size and bold, as natively.
* Large title: ``GS ! 0x11`` (double width and height). python-escpos's double size uses
  ``ESC !``, which in Chinese mode does not enlarge Chinese characters; ``GS !`` enlarges both.
* QR code: rendered as a raster image (``GS v 0``), centred by padding to the paper width.
  Every thermal printer prints raster images, while native ``GS ( k`` QR is missing on many
  cheap 58 mm printers (and python-escpos cannot centre it). Error correction M survives a
  smudged thermal print; modules are 2..6 dots so a short pass code is about 23 mm wide.
* ``ESC d 6`` then ``GS V 0`` (feed past the cutter, full cut); printers without a cutter
  ignore the cut.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from typing import Literal

import qrcode
from escpos.capabilities import Profile, get_profile_class
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from devices.errors import DeviceConfigError, SlipError
from devices.events import Slip
from devices.url import DeviceURL

from .raster_text import NORMAL_DOTS, TITLE_DOTS, Align, FontFile, draw_text, find_cjk_font

Charset = Literal["gb18030", "gbk", "ascii"]
TextMode = Literal["native", "raster"]

PAPER_DOTS = {58: 384, 80: 576}  # printable dots at 203 dpi
MAX_TITLE = 40
MAX_LINES = 30
MAX_LINE = 200
MAX_QR_BYTES = 512
QR_TARGET_DOTS = 190  # about 23 mm at 8 dots/mm: scans well from a hand-held slip
QR_MAX_BOX = 6
QR_MIN_BOX = 2

INIT = b"\x1b@"
CHINESE_MODE = b"\x1c&"


@dataclass(frozen=True, slots=True)
class LayoutOptions:
    paper_mm: int = 58
    charset: Charset = "gb18030"
    text: TextMode = "native"
    font: FontFile | None = None  # the CJK font raster text is drawn with (text=raster only)

    def __post_init__(self) -> None:
        if self.text == "raster" and self.font is None:
            raise ValueError("text='raster' needs a font (see raster_text.find_cjk_font)")

    @property
    def dots(self) -> int:
        return PAPER_DOTS[self.paper_mm]

    @classmethod
    def from_url(cls, url: DeviceURL) -> LayoutOptions:
        paper = url.get_int("paper", 58)
        if paper not in PAPER_DOTS:
            raise DeviceConfigError(f"{url.raw}: parameter paper={paper} must be 58 or 80 (mm)")
        charset = (url.get_str("charset", "gb18030") or "").lower()
        if charset not in ("gb18030", "gbk", "ascii"):
            raise DeviceConfigError(
                f"{url.raw}: parameter charset={charset!r} must be gb18030, gbk or ascii"
            )
        text = (url.get_str("text", "native") or "").lower()
        if text not in ("native", "raster"):
            raise DeviceConfigError(f"{url.raw}: parameter text={text!r} must be native or raster")
        font = find_cjk_font() if text == "raster" else None  # a missing font fails at start-up
        return cls(paper_mm=paper, charset=charset, text=text, font=font)  # type: ignore[arg-type]


LAYOUT_PARAMS = {"paper", "charset", "text"}


def _profile(dots: int) -> Profile:
    # python-escpos profiles keep their data on a cached class shared by every printer, so we
    # copy it rather than set the paper width on it; the width is needed to centre images.
    data = copy.deepcopy(get_profile_class("default").profile_data)
    data["media"]["width"]["pixels"] = dots
    profile_class = type(f"SlipProfile{dots}", (Profile,), {"profile_data": data})
    # Profile() starts with no features at all (so no cut); give it the default profile's.
    return profile_class(features=data["features"])


_PROFILES = {mm: _profile(dots) for mm, dots in PAPER_DOTS.items()}


def clean_text(text: str) -> str:
    """Make one printable line: whitespace controls become spaces, other controls vanish.

    A visitor types their own name; without this an ESC or GS inside it would be a printer
    command (cut, open the cash drawer, switch code page).
    """
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f\u2028\u2029" or cat in ("Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


def _check_str(name: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise SlipError(f"slip {name} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise SlipError(f"slip {name} is {len(value)} characters; at most {limit} fit")
    return clean_text(value)


@dataclass(frozen=True, slots=True)
class CleanSlip:
    title: str
    lines: tuple[str, ...]
    qr: str | None
    footer: str


def validate(slip: Slip) -> CleanSlip:
    """Check a slip's types and sizes and strip control characters; raise SlipError."""
    if not isinstance(slip, Slip):
        raise SlipError(f"expected a devices.Slip, got {type(slip).__name__}")
    title = _check_str("title", slip.title, MAX_TITLE)
    if not title:
        raise SlipError("slip title is empty")
    if not isinstance(slip.lines, tuple | list):
        raise SlipError(f"slip lines must be a tuple of text, not {type(slip.lines).__name__}")
    if len(slip.lines) > MAX_LINES:
        raise SlipError(f"slip has {len(slip.lines)} lines; at most {MAX_LINES}")
    lines = tuple(_check_str(f"line {i + 1}", line, MAX_LINE) for i, line in enumerate(slip.lines))
    footer = _check_str("footer", slip.footer, MAX_LINE)
    qr = slip.qr
    if qr is not None:
        if not isinstance(qr, str):
            raise SlipError(f"slip QR payload must be text, not {type(qr).__name__}")
        size = len(qr.encode("utf-8", errors="surrogatepass"))
        if size == 0:
            raise SlipError("slip QR payload is empty")
        if size > MAX_QR_BYTES:
            raise SlipError(f"slip QR payload is {size} bytes; at most {MAX_QR_BYTES} print readably")
        if any(unicodedata.category(ch) == "Cs" for ch in qr):
            raise SlipError("slip QR payload contains unpaired surrogates (not valid Unicode text)")
    return CleanSlip(title, lines, qr, footer)


def encode_text(text: str, charset: Charset) -> bytes:
    if charset == "gb18030":
        return text.encode("gb18030")
    return text.encode(charset, errors="replace")


def needs_chinese_mode(slip: CleanSlip, charset: Charset) -> bool:
    if charset == "ascii":
        return False
    return any(not s.isascii() for s in (slip.title, slip.footer, *slip.lines))


def qr_box_size(payload: str, dots: int) -> int:
    """Dots per QR module: aim for QR_TARGET_DOTS, never wider than the paper."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(payload)
    code.make(fit=True)
    modules = code.modules_count + 2  # python-escpos draws a one-module border
    box = max(QR_MIN_BOX, min(QR_MAX_BOX, QR_TARGET_DOTS // modules))
    if modules * box > dots:
        box = dots // modules
    if box < QR_MIN_BOX:
        raise SlipError(f"slip QR payload needs {modules} modules; too many for {dots}-dot paper")
    return box


def render(slip: Slip, options: LayoutOptions | None = None) -> bytes:
    """Return the ESC/POS bytes for one slip, from ESC @ to the cut."""
    options = options or LayoutOptions()
    clean = validate(slip)
    # Magic encoding is told the printer's code page up front so python-escpos's own text
    # (the line feeds around the QR image) does not start with an ESC t code-page switch.
    p = Dummy(profile=_PROFILES[options.paper_mm], magic_encode_args={"encoding": "CP437"})

    if options.text == "raster":
        _raster_text(p, clean, options)
    else:
        _native_text(p, clean, options)
    if clean.qr is not None:
        p.set(align="center")
        p.qr(
            clean.qr,
            ec=QR_ECLEVEL_M,
            size=qr_box_size(clean.qr, options.dots),
            native=False,
            center=True,
        )
        p.set(align="left")
    if clean.footer:
        if options.text == "raster":
            _raster_line(p, clean.footer, options, align="center")
        else:
            p.set(align="center")
            _native_line(p, clean.footer, options)
            p.set(align="left")
    p.cut(mode="FULL")
    return p.output


def _native_line(p: Dummy, text: str, options: LayoutOptions) -> None:
    # Our text bypasses python-escpos's encoder; see the module docstring for why.
    p._raw(encode_text(text, options.charset) + b"\n")


def _native_text(p: Dummy, clean: CleanSlip, options: LayoutOptions) -> None:
    p.hw("INIT")
    if needs_chinese_mode(clean, options.charset):
        p._raw(CHINESE_MODE)
    p.set(align="center")
    p.set(custom_size=True, width=2, height=2)
    p.set(bold=True)
    _native_line(p, clean.title, options)
    p.set(bold=False)
    p.set(custom_size=True, width=1, height=1)
    p.set(align="left")
    for text in clean.lines:
        _native_line(p, text, options)


def _raster_line(p: Dummy, text: str, options: LayoutOptions, *, align: Align = "left",
                 size: int = NORMAL_DOTS, bold: bool = False) -> None:
    if not text:
        p._raw(b"\n")  # an empty line is a feed, as in native mode
        return
    assert options.font is not None  # LayoutOptions refuses raster without a font
    img = draw_text(text, options.font, width=options.dots, size=size, align=align, bold=bold)
    # The image is the paper's width and already aligned, so no ESC a around it.
    p.image(img, impl="bitImageRaster")


def _raster_text(p: Dummy, clean: CleanSlip, options: LayoutOptions) -> None:
    p.hw("INIT")
    _raster_line(p, clean.title, options, align="center", size=TITLE_DOTS, bold=True)
    for text in clean.lines:
        _raster_line(p, text, options)


def render_text(slip: Slip) -> str:
    """A plain-text picture of the slip, for the sim's copies and on-screen fallbacks."""
    clean = validate(slip)
    parts = [clean.title, *clean.lines]
    if clean.qr is not None:
        parts.append(f"[QR] {clean.qr}")
    if clean.footer:
        parts.append(clean.footer)
    return "\n".join(parts) + "\n"
