"""The shipped systemd units pass `systemd-analyze verify` with no complaint at all.

systemd-analyze exits 0 even for unknown keys and bad values, so any output fails the test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = sorted((ROOT / "systemd").glob("*.service"))


@pytest.fixture(autouse=True)
def _systemd_analyze() -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing (Debian package systemd; `make test` installs it)")


def test_units_are_shipped() -> None:
    assert {u.name for u in UNITS} == {"lobby-kiosk.service", "lobby-central.service"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_verifies_cleanly(unit: Path, tmp_path: Path) -> None:
    # Point ExecStart at this checkout's venv so the binary check is real.
    bindir = Path(sys.executable).parent
    text = unit.read_text().replace("/opt/lobby-kiosk/.venv/bin/", f"{bindir}/")
    copy = tmp_path / unit.name
    copy.write_text(text)
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(copy)],
                          capture_output=True, text=True, timeout=60)
    noise = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    assert proc.returncode == 0 and noise == [], noise


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_exec_start_names_a_real_subcommand(unit: Path) -> None:
    line = next(ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart="))
    argv = line.split("=", 1)[1].split()
    tool = Path(sys.executable).parent / Path(argv[0]).name
    proc = subprocess.run([str(tool), *argv[1:], "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_bad_key_would_be_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.service"
    bad.write_text(f"[Service]\nExecStart={sys.executable}\nFrobnicate=yes\n")
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert "Frobnicate" in proc.stderr
