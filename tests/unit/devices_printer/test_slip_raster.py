"""Raster text (`text=raster`): a slip for printers without a Chinese font is images, not text.

The command skeleton is spelled out from the ESC/POS spec; the images are checked for what a
print head would show (paper-wide, ink where the alignment puts it, distinct glyphs per
character), never against bytes copied from an earlier run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import devices
from devices.errors import DeviceConfigError
from devices.events import Slip
from devices.printer.layout import LayoutOptions, render
from devices.printer.raster_text import FONT_PACKAGE, FontFile, draw_text, find_cjk_font
from devices.printer.sim import SimPrinter

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CENTER, LEFT = ESC + b"a\x01", ESC + b"a\x00"
FEED_CUT = ESC + b"d\x06" + GS + b"V\x00"
GS_V0 = GS + b"v0\x00"  # GS v 0, m=0 (normal density)
IMG = b"<IMG>"  # stands in for each image in the command skeleton

SLIP = Slip("访客单", ("访客: 张*", "", "被访: 3-1201"), qr="V1:ABC", footer="请扫码")


@pytest.fixture(scope="module")
def font() -> FontFile:
    return find_cjk_font()


def raster(font: FontFile, paper: int = 58) -> LayoutOptions:
    return LayoutOptions(paper_mm=paper, text="raster", font=font)


def split_images(data: bytes) -> tuple[bytes, list[Image.Image]]:
    """(the bytes with every GS v 0 image replaced by IMG, the images as the head draws them)."""
    skeleton, images, pos = b"", [], 0
    while (i := data.find(GS_V0, pos)) >= 0:
        width_bytes = int.from_bytes(data[i + 4 : i + 6], "little")
        height = int.from_bytes(data[i + 6 : i + 8], "little")
        end = i + 8 + width_bytes * height
        assert end <= len(data), "image cut off"
        # ESC/POS raster: 1 = burn a dot; PIL "1": 1 = white, hence the inversion.
        images.append(Image.frombytes("1", (width_bytes * 8, height),
                                      bytes(b ^ 0xFF for b in data[i + 8 : end])))
        skeleton += data[pos:i] + IMG
        pos = end
    return skeleton + data[pos:], images


def ink_columns(img: Image.Image) -> tuple[int, int]:
    """(first inked column, blank columns right of the last inked one)."""
    box = Image.eval(img.convert("L"), lambda v: 255 - v).getbbox()
    assert box is not None, "blank image"
    return box[0], img.width - box[2]


def ink(img: Image.Image) -> int:
    return img.convert("L").histogram()[0]


@pytest.mark.parametrize(("paper", "dots"), [(58, 384), (80, 576)])
def test_raster_slip_is_images_between_the_same_commands(font: FontFile, paper: int, dots: int):
    data = render(SLIP, raster(font, paper))
    skeleton, images = split_images(data)
    # Title, line 1, (empty line 2 is a feed), line 3, the QR (as natively), footer.
    qr_part = CENTER + LF + IMG + LF + LF + LEFT
    assert skeleton == INIT + IMG + IMG + LF + IMG + qr_part + IMG + FEED_CUT
    assert FS not in skeleton  # no FS & Chinese mode: the printer has no Chinese font
    for text in ("访客", "张", "被访", "请扫码", "3-1201"):
        assert text.encode("gb18030") not in skeleton
    assert [img.width for img in images] == [dots] * 5  # paper-wide: no ESC a needed


def test_images_are_aligned_like_native_text(font: FontFile):
    _, (title, line1, line3, _qr, footer) = split_images(render(SLIP, raster(font)))
    for centred in (title, footer):
        left, right = ink_columns(centred)
        assert left > 40 and abs(left - right) <= 3
    for left_aligned in (line1, line3):
        left, right = ink_columns(left_aligned)
        assert left <= 3 and right > 100
    assert title.height >= 2 * line1.height - 4  # double height, as GS ! 0x11


def test_each_character_is_its_own_glyph(font: FontFile):
    # A font without Chinese draws one and the same box for every missing character.
    def picture(text: str) -> bytes:
        return split_images(render(Slip("T", (text,)), raster(font)))[1][1].tobytes()

    assert picture("中") != picture("文")
    assert picture("中") == picture("中")
    assert picture("中文") != picture("文中")


def test_title_is_bold(font: FontFile):
    _, images = split_images(render(Slip("访客单"), raster(font)))
    plain = draw_text("访客单", font, width=384, size=48, align="center")
    assert ink(images[0]) > ink(plain) * 1.2


def test_a_long_line_wraps_inside_the_paper(font: FontFile):
    short = split_images(render(Slip("T", ("被访单位",)), raster(font)))[1][1]
    long_text = "被访单位" * 10 + " Lobby Tower Management Company"
    tall = split_images(render(Slip("T", (long_text,)), raster(font)))[1][1]
    assert tall.width == short.width
    assert tall.height >= 3 * short.height  # 40 Chinese characters of 24 dots on 384: 3 rows


def test_native_is_the_default_and_unchanged(font: FontFile):
    native = render(SLIP)
    assert render(SLIP, LayoutOptions(text="native")) == native
    assert native.startswith(INIT + FS + b"&") and "访客".encode("gb18030") in native
    assert render(SLIP, raster(font)) != native


def test_raster_without_a_font_is_a_programming_error():
    with pytest.raises(ValueError, match="needs a font"):
        LayoutOptions(text="raster")


@pytest.fixture
def opened() -> Iterator[list[devices.Printer]]:
    printers: list[devices.Printer] = []
    yield printers
    for p in printers:
        p.close()


def test_sim_printer_takes_text_raster(opened: list[devices.Printer], font: FontFile):
    p = devices.open_printer("sim://?name=raster&text=raster&paper=80")
    opened.append(p)
    assert isinstance(p, SimPrinter)
    p.print_slip(SLIP)
    [record] = p.printed
    assert record.data == render(SLIP, raster(font, 80))
    assert record.text.startswith("访客单\n")  # the plain-text copy does not change


@pytest.mark.parametrize("url", ["sim://?text=bitmap", "escpos-file:///dev/null?text=bitmap",
                                 "escpos-net://127.0.0.1:9100?text="])
def test_a_bad_text_value_is_refused_naming_the_parameter(url: str):
    with pytest.raises(DeviceConfigError, match=r"parameter text=.* must be native or raster"):
        devices.open_printer(url)


def _fontconfig(tmp_path: Path, dirs: list[str]) -> Path:
    conf = tmp_path / "fonts.conf"
    body = "".join(f"<dir>{d}</dir>" for d in dirs)
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig>{body}<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n")
    return conf


@pytest.mark.parametrize("dirs", [[], ["/usr/share/fonts/truetype/dejavu"]], ids=["no-fonts", "latin-only"])
def test_no_chinese_font_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           dirs: list[str]):
    # fc-match answers with a Latin font (or nothing) when no font covers zh-cn.
    monkeypatch.setenv("FONTCONFIG_FILE", str(_fontconfig(tmp_path, dirs)))
    with pytest.raises(DeviceConfigError, match=FONT_PACKAGE):
        devices.open_printer("sim://?name=nofont&text=raster")
    devices.open_printer("sim://?name=nofont").close()  # native needs no font


def test_no_fontconfig_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DeviceConfigError, match="fontconfig"):
        find_cjk_font()
