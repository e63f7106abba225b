"""`kiosk diag` as a technician runs it: a real subprocess, sim:// devices, text and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run_diag(tmp_path: Path, devices_toml: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nname = "Diag lobby"\ndata_dir = "{tmp_path / "data"}"\n'
                   f"[devices]\n{devices_toml}\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "diag", "--config", str(cfg), *extra],
                          capture_output=True, text=True, timeout=60)


ALL_SIM = 'card_reader = "sim://"\nrelay = "sim://"\nprinter = "sim://"\nqr_scanner = "none"'


def test_all_ok_json(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    states = {d["name"]: d["state"] for d in report["devices"]}
    assert states == {"card_reader": "ok", "relay": "ok", "printer": "ok", "qr_scanner": "ok"}
    assert report["kiosk"] == "Diag lobby"
    assert report["clock"]["timezone"] == "Asia/Shanghai"
    assert report["sync"]["state"] == "not_enrolled"


def test_absent_device_is_down_with_reason(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM.replace('printer = "sim://"', 'printer = "sim://?fail=absent"'))
    assert proc.returncode == 1
    line = next(ln for ln in proc.stdout.splitlines() if ln.strip().startswith("printer"))
    assert "down" in line


@pytest.mark.parametrize("bad", ['relay = "ftp://x"', 'colour = "red"'])
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, bad: str) -> None:
    proc = run_diag(tmp_path, bad)
    assert proc.returncode == 2
    assert "kiosk.toml" in proc.stderr
    assert bad.split(" ")[0] in proc.stderr


def test_text_report_has_a_sync_line(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM)
    sync_line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("sync:"))
    assert "enroll" in sync_line
