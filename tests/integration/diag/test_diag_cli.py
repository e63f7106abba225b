"""`kiosk diag` as a technician runs it: a real subprocess, sim:// devices, text and JSON,
a bad config, a bundle file, and never a traceback."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from lobby_core.diag_codes import CODES
from lobby_core.diagnostics import Report


def run_diag(tmp_path: Path, devices_toml: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nname = "Diag lobby"\ndata_dir = "{tmp_path / "data"}"\n'
                   f"[devices]\n{devices_toml}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", "diag", "--config", str(cfg),
                           *extra], capture_output=True, text=True, timeout=90)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


ALL_SIM = 'card_reader = "sim://"\nrelay = "sim://"\nprinter = "sim://"\nqr_scanner = "none"'


def test_json_is_the_documented_shape_with_known_codes(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM, "--json")
    data = json.loads(proc.stdout)
    report = Report.from_json(data)  # the shape central reads
    assert set(data) == {"status", "at", "running", "checks"}
    assert all(set(c) == {"id", "group", "status", "code", "summary", "hint", "params"}
               for c in data["checks"])
    assert all(c.code in CODES for c in report.checks)
    assert proc.returncode == report.status.exit_code == 1  # no kiosk runs: a warning
    groups = {c.group for c in report.checks}
    assert groups >= {"kiosk", "config", "card_reader", "relay", "printer", "qr_scanner",
                      "id_reader", "central", "storage", "sync", "versions"}


def test_absent_printer_fails_with_its_reason(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM.replace('printer = "sim://"',
                                              'printer = "sim://?fail=absent"'), "--json")
    printer = next(c for c in json.loads(proc.stdout)["checks"] if c["id"] == "printer.status")
    assert (printer["status"], printer["code"]) == ("fail", "printer.offline")
    assert "absent" in printer["summary"]
    assert proc.returncode == 2


@pytest.mark.parametrize("bad", ['relay = "ftp://x"', 'colour = "red"'])
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, bad: str) -> None:
    proc = run_diag(tmp_path, bad)
    assert proc.returncode == 2
    assert "kiosk.toml" in proc.stderr
    assert bad.split(" ")[0] in proc.stderr
    assert "[FAIL] config is not valid" in proc.stdout


def test_bad_config_in_json_is_a_config_check(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, 'colour = "red"', "--json")
    [only] = json.loads(proc.stdout)["checks"]
    assert (only["id"], only["code"], only["status"]) == ("config.file", "config.invalid", "fail")
    assert "colour" in only["summary"]


def test_bundle_file_is_owner_only_and_holds_the_report(tmp_path: Path) -> None:
    target = tmp_path / "support.tar.gz"
    proc = run_diag(tmp_path, ALL_SIM, "--bundle", str(target))
    assert f"bundle written to {target}" in proc.stdout
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with tarfile.open(target) as tar:
        names = sorted(m.name for m in tar.getmembers())
        report = json.load(tar.extractfile("lobby-kiosk-diag/diag.json"))  # type: ignore[arg-type]
    assert names == ["lobby-kiosk-diag/config.json", "lobby-kiosk-diag/diag.json",
                     "lobby-kiosk-diag/recent.log"]
    assert report["running"] is False


def test_bundle_to_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM, "--bundle", str(tmp_path / "no" / "such" / "b.tar.gz"))
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr


def test_text_report_has_a_sync_line_with_what_to_do(tmp_path: Path) -> None:
    proc = run_diag(tmp_path, ALL_SIM)
    lines = proc.stdout.splitlines()
    i = lines.index("sync:")
    assert "not enrolled" in lines[i + 1]
    assert "kiosk enroll URL CODE" in lines[i + 2]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run diag as another user")
def test_a_user_who_may_not_read_the_data_dir_is_told_to_use_sudo(tmp_path: Path) -> None:
    import shutil
    import tempfile

    data = tmp_path / "data"  # under pytest's 0700 root-owned tree
    data.mkdir(mode=0o700)
    (data / "kiosk.run.lock").touch(mode=0o600)
    public = Path(tempfile.mkdtemp(prefix="diag-cfg-"))
    try:
        public.chmod(0o755)
        cfg = public / "kiosk.toml"
        cfg.write_text(f'[kiosk]\ndata_dir = "{data}"\n[devices]\n{ALL_SIM}\n', encoding="utf-8")
        cfg.chmod(0o644)
        repo = Path(__file__).resolve().parents[3]
        proc = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
             sys.executable, "-m", "kiosk.cli", "diag", "--json", "--config", str(cfg)],
            capture_output=True, text=True, timeout=90, cwd=public,
            env={**os.environ, "PYTHONPATH": str(repo), "HOME": str(public)})
    finally:
        shutil.rmtree(public)
    assert "Traceback" not in proc.stderr, proc.stderr
    [only] = json.loads(proc.stdout)["checks"]
    assert (only["code"], only["status"]) == ("kiosk.no_permission", "fail")
    assert "sudo kiosk diag" in only["hint"]
    assert proc.returncode == 2
