"""`kiosk run` on a machine without a Chinese font stops at once, naming the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_no_fontconfig_stops_start_up_with_the_package_name(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n[devices]\ncard_reader = "sim://"\n',
                   encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(tmp_path)}  # no fc-list on PATH
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "run", "--config", str(cfg)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "fonts-wqy-microhei" in out.stderr and "cannot start the touchscreen" in out.stderr
    assert not (tmp_path / "data").exists()  # nothing was opened or created
