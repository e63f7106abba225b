"""Exact ESC/POS bytes of a visitor slip, with the expected bytes spelled out from the spec."""

from __future__ import annotations

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.errors import SlipError
from devices.events import Slip
from devices.printer.layout import LayoutOptions, clean_text, render, render_text

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"  # ESC @ initialise
CHINESE_ON = FS + b"&"  # FS & select Chinese (Kanji) character mode
CENTER, LEFT = ESC + b"a\x01", ESC + b"a\x00"  # ESC a n justification
BIG, NORMAL = GS + b"!\x11", GS + b"!\x00"  # GS ! n: high nibble width-1, low nibble height-1
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"  # ESC E n emphasis
FEED_CUT = ESC + b"d\x06" + GS + b"V\x00"  # ESC d 6 feed six lines, GS V 0 full cut


def head(title: bytes, chinese: bool = False) -> bytes:
    start = INIT + (CHINESE_ON if chinese else b"")
    return start + CENTER + BIG + BOLD_ON + title + LF + BOLD_OFF + NORMAL + LEFT


def footer(text: bytes) -> bytes:
    return CENTER + text + LF + LEFT


def qr_raster(payload: str, box: int, paper_dots: int) -> bytes:
    """GS v 0 raster of the payload's QR matrix (EC level M, one-module border), centred."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix) * box
    x0 = (paper_dots - size) // 2
    rows = []
    for mrow in matrix:
        bits = [0] * paper_dots
        for col, dark in enumerate(mrow):
            if dark:
                for k in range(box):
                    bits[x0 + col * box + k] = 1
        packed = bytes(
            sum(bit << (7 - i) for i, bit in enumerate(bits[j : j + 8])) for j in range(0, paper_dots, 8)
        )
        rows.extend([packed] * box)
    header = GS + b"v0\x00" + (paper_dots // 8).to_bytes(2, "little") + size.to_bytes(2, "little")
    return header + b"".join(rows)


def test_ascii_slip_without_qr():
    slip = Slip("VISITOR", ("Name: Li", "Unit 3-1201"), footer="Scan at the gate")
    expected = head(b"VISITOR") + b"Name: Li\nUnit 3-1201\n" + footer(b"Scan at the gate") + FEED_CUT
    assert render(slip) == expected


def test_chinese_slip_enters_chinese_mode_and_sends_gb_codes():
    # 中 = D6 D0, 文 = CE C4 in GB2312; full-width comma U+FF0C = A3 AC.
    slip = Slip("中文", ("中，文",))
    expected = head(b"\xd6\xd0\xce\xc4", chinese=True) + b"\xd6\xd0\xa3\xac\xce\xc4\n" + FEED_CUT
    assert render(slip) == expected


def test_rare_character_four_byte_gb18030_or_replaced_for_gbk():
    # U+20000 (CJK extension B) is the GB18030 four-byte code 95 32 82 36; not in GBK at all.
    slip = Slip("X", ("\U00020000",))
    assert render(slip) == head(b"X", chinese=True) + b"\x95\x32\x82\x36\n" + FEED_CUT
    gbk = render(slip, LayoutOptions(charset="gbk"))
    assert gbk == head(b"X", chinese=True) + b"?\n" + FEED_CUT
    ascii_only = render(Slip("X", ("中a",)), LayoutOptions(charset="ascii"))
    assert ascii_only == head(b"X") + b"?a\n" + FEED_CUT


@pytest.mark.parametrize(("paper", "dots"), [(58, 384), (80, 576)])
def test_qr_is_a_centred_raster_image(paper: int, dots: int):
    payload = "V1:ABCDEF123456"
    # 15 alphanumeric characters fit QR version 1 at level M: 21 modules + 2 border = 23;
    # at the 6-dot maximum that is 138 dots (17 mm), inside the 190-dot target.
    slip = Slip("PASS", qr=payload)
    qr_part = CENTER + LF + qr_raster(payload, 6, dots) + LF + LF + LEFT
    assert render(slip, LayoutOptions(paper_mm=paper)) == head(b"PASS") + qr_part + FEED_CUT


def test_long_qr_payload_gets_smaller_modules_but_fits_the_paper():
    payload = "https://example.invalid/p/" + "A1b2C3d4" * 30
    out = render(Slip("T", qr=payload))
    i = out.index(GS + b"v0")
    width_bytes = int.from_bytes(out[i + 4 : i + 6], "little")
    height = int.from_bytes(out[i + 6 : i + 8], "little")
    assert width_bytes == 48  # 384 dots: padded to the paper width
    assert height <= 384


def test_control_characters_cannot_smuggle_printer_commands():
    # A visitor-typed name carrying ESC i (partial cut) and GS V (cut) must print as text.
    slip = Slip("T\x1bi", ("A\x1dV\x00B\tC\nD",), footer="\x10\x14\x01")
    assert render(slip) == head(b"Ti") + b"AVB C D\n" + FEED_CUT


def test_clean_text_keeps_letters_and_drops_format_characters():
    assert clean_text("张\u200b三\u2028x ") == "张三 x"


@pytest.mark.parametrize(
    ("slip", "message"),
    [
        (Slip(title=123), "title must be text"),  # type: ignore[arg-type]
        (Slip("x" * 41), "title is 41 characters"),
        (Slip(" \x1b\t"), "title is empty"),
        (Slip("t", lines=("x",) * 31), "31 lines"),
        (Slip("t", lines=("y" * 201,)), "line 1 is 201 characters"),
        (Slip("t", lines=(None,)), "line 1 must be text"),  # type: ignore[arg-type]
        (Slip("t", lines="abc"), "lines must be a tuple"),  # type: ignore[arg-type]
        (Slip("t", qr=""), "QR payload is empty"),
        (Slip("t", qr="x" * 513), "513 bytes"),
        (Slip("t", qr=b"abc"), "QR payload must be text"),  # type: ignore[arg-type]
        (Slip("t", qr="a\ud800"), "unpaired surrogates"),
        (Slip("t", footer=5), "footer must be text"),  # type: ignore[arg-type]
    ],
)
def test_bad_slips_are_refused_with_a_specific_error(slip: Slip, message: str):
    with pytest.raises(SlipError, match=message):
        render(slip)


def test_not_a_slip_is_refused():
    with pytest.raises(SlipError, match="expected a devices.Slip"):
        render({"title": "x"})  # type: ignore[arg-type]


def test_plain_text_picture():
    slip = Slip("访客单", ("访客: 张*",), qr="V1:X", footer="请扫码")
    assert render_text(slip) == "访客单\n访客: 张*\n[QR] V1:X\n请扫码\n"


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(min_size=1, max_size=40).filter(lambda s: clean_text(s) != ""),
    line=st.text(max_size=200),
    foot=st.text(min_size=1, max_size=200).filter(lambda s: clean_text(s) != ""),
)
def test_any_text_keeps_the_command_structure(title: str, line: str, foot: str):
    # Text bytes never contain ESC/GS/FS/DLE, so the commands are exactly the fixed ones.
    out = render(Slip(title, (line,), footer=foot))
    chinese = any(not clean_text(s).isascii() for s in (title, line, foot))
    assert out.startswith(INIT + (CHINESE_ON if chinese else b"") + CENTER + BIG + BOLD_ON)
    assert out.endswith(LF + LEFT + FEED_CUT)
    assert out.count(ESC) == 8
    assert out.count(GS) == 3
    assert out.count(FS) == (1 if chinese else 0)
    assert b"\x10" not in out
