"""What comes out of the printer can be used: the QR decodes, the sim's copies are written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

import devices
from devices.printer.layout import LayoutOptions, render
from devices.printer.raster_text import find_cjk_font

pytestmark = pytest.mark.integration

GS_V0 = b"\x1dv0\x00"


def raster_to_png(data: bytes, path: Path, start: int = 0) -> None:
    """Decode the (first from `start`) GS v 0 raster in a slip back into an image, as the print
    head would draw it."""
    i = data.index(GS_V0, start)
    width_bytes = int.from_bytes(data[i + 4 : i + 6], "little")
    height = int.from_bytes(data[i + 6 : i + 8], "little")
    raster = data[i + 8 : i + 8 + width_bytes * height]
    # ESC/POS raster: 1 = burn a dot (black); PIL "1" mode: 1 = white, hence the inversion.
    img = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in raster))
    framed = Image.new("1", (img.width + 80, img.height + 80), 1)  # paper margin = quiet zone
    framed.paste(img, (40, 40))
    framed.save(path)


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("payload", ["V1:7F3A9C", "https://kiosk.invalid/p/" + "x9Q" * 100])
def test_printed_qr_decodes_to_the_payload(tmp_path: Path, paper: int, payload: str):
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg missing: install Debian zbar-tools (make sysdeps)"
    data = render(devices.Slip("访客单", qr=payload), LayoutOptions(paper_mm=paper))
    png = tmp_path / "qr.png"
    raster_to_png(data, png)
    out = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip("\n") == payload


def test_raster_text_slip_qr_still_decodes(tmp_path: Path):
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg missing: install Debian zbar-tools (make sysdeps)"
    payload = "V1:7F3A9C"
    options = LayoutOptions(text="raster", font=find_cjk_font())
    data = render(devices.Slip("访客单", ("访客: 张*",), qr=payload, footer="请扫码"), options)
    # The text is images too: the QR is the one python-escpos centres (ESC a 1, LF, then GS v 0).
    qr_at = data.index(b"\x1ba\x01\n" + GS_V0)
    png = tmp_path / "qr.png"
    raster_to_png(data, png, qr_at)
    out = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip("\n") == payload


def test_sim_printer_writes_a_copy_of_each_slip(tmp_path: Path):
    out = tmp_path / "slips"
    printer = devices.open_printer(f"sim://?name=demo&out={out}")
    try:
        slip = devices.Slip("访客单", ("访客: 张*",), qr="V1:1", footer="请扫码")
        printer.print_slip(slip)
        printer.print_slip(slip)
    finally:
        printer.close()
    bins = sorted(out.glob("*.bin"))
    txts = sorted(out.glob("*.txt"))
    assert len(bins) == 2 and len(txts) == 2
    assert bins[0].read_bytes() == render(slip)
    assert txts[1].read_text(encoding="utf-8") == "访客单\n访客: 张*\n[QR] V1:1\n请扫码\n"


def test_sim_printer_unwritable_out_dir_still_prints(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    printer = devices.open_printer(f"sim://?name=ro&out={blocker}")
    try:
        printer.print_slip(devices.Slip("T"))
        assert len(printer.printed) == 1  # type: ignore[attr-defined]
    finally:
        printer.close()
