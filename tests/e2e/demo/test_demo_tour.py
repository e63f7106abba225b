"""`make demo`'s program end to end: central + kiosk on sim:// devices, every demo card tapped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.demo.demo_process import processes_mentioning


@pytest.mark.timeout(300)
def test_demo_tour_grants_and_denies_as_promised(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "kiosk.demo", "--tour", "--port", "0", "--root", str(root)],
                          capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tour = [ln for ln in proc.stdout.splitlines() if ln.startswith("tour: ")]
    assert len(tour) == 6
    assert "UNEXPECTED" not in proc.stdout
    assert "tour: D001 granted" in proc.stdout and "tour: D003 denied" in proc.stdout
    # the kiosk log shows member numbers and reasons only, never the demo names
    for name in ("张小明", "李华", "王芳", "Jane Smith"):
        assert name not in proc.stdout + proc.stderr
    assert processes_mentioning(str(root)) == []
