"""The CJK font: found through fontconfig, preferring the font we install; a clear error
naming the Debian package when there is none."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.ui.fonts import FONT_PACKAGE, FontError, find_cjk_font


def fake_fc_list(tmp_path: Path, lines: list[str], exit_code: int = 0) -> str:
    script = tmp_path / "fc-list"
    out = "\n".join(lines)
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{out}\nEOF\nexit {exit_code}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def font_file(tmp_path: Path, name: str) -> Path:
    p = tmp_path / name
    p.write_bytes(b"\0")
    return p


def test_the_installed_font_is_found_here() -> None:
    assert find_cjk_font().name == "wqy-microhei.ttc"  # `make sysdeps` installs it


def test_our_font_is_preferred_over_others(tmp_path: Path) -> None:
    noto = font_file(tmp_path, "NotoSansCJK-Regular.ttc")
    wqy = font_file(tmp_path, "wqy-microhei.ttc")
    other = font_file(tmp_path, "ukai.ttc")
    fc = fake_fc_list(tmp_path, [f"{other}: AR PL UKai CN",
                                 f"{noto}: Noto Sans CJK SC,Noto Sans CJK SC Regular",
                                 f"{wqy}: WenQuanYi Micro Hei Mono,文泉驿等宽微米黑",
                                 f"{wqy}: WenQuanYi Micro Hei,文泉驿微米黑"])
    assert find_cjk_font(fc) == wqy
    fc = fake_fc_list(tmp_path, [f"{other}: AR PL UKai CN", f"{noto}: Noto Sans CJK SC"])
    assert find_cjk_font(fc) == noto
    fc = fake_fc_list(tmp_path, [f"{other}: AR PL UKai CN"])
    assert find_cjk_font(fc) == other


def test_no_cjk_font_names_the_package(tmp_path: Path) -> None:
    bitmap = font_file(tmp_path, "x.pcf")
    fc = fake_fc_list(tmp_path, [f"{tmp_path}/missing.ttf: Gone", f"{bitmap}: Bitmap"])
    with pytest.raises(FontError, match=FONT_PACKAGE) as err:
        find_cjk_font(fc)
    assert "apt-get install fonts-wqy-microhei" in str(err.value)


def test_fontconfig_failing_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(FontError, match=f"fc-list failed.*{FONT_PACKAGE}"):
        find_cjk_font(fake_fc_list(tmp_path, [], exit_code=1))
