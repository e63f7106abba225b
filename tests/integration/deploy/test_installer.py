"""`make install-kiosk` / `make install-central`, tried without ever installing onto this machine.

Every run sets DRY_RUN or DESTDIR, and PATH starts with stand-ins for every command that would
change the system (apt-get, useradd, systemctl, udevadm, modprobe, ...): each records its call
and fails, so a step that escaped the dry run or the staging tree is caught, not executed.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk import config

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SYSTEM_COMMANDS = ("apt-get", "useradd", "usermod", "systemctl", "udevadm", "modprobe",
                   "systemd-tmpfiles", "python3", "pip", "chown")


@pytest.fixture
def poisoned(tmp_path: Path) -> tuple[dict[str, str], Path]:
    bindir, calls = tmp_path / "poison-bin", tmp_path / "calls.log"
    bindir.mkdir()
    for name in SYSTEM_COMMANDS:
        f = bindir / name
        f.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit 1\n')
        f.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DESTDIR", "DRY_RUN", "MAKEFLAGS")}
    env["PATH"] = f"{bindir}:{env['PATH']}"
    return env, calls


def make(target: str, env: dict[str, str], **vars_: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "--no-print-directory", target,
                           *(f"{k}={v}" for k, v in vars_.items())],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("role", ["kiosk", "central"])
def test_dry_run_prints_every_step_and_runs_none(role: str, poisoned: tuple[dict[str, str], Path],
                                                 tmp_path: Path) -> None:
    env, calls = poisoned
    # `install` and `tar` would be the only file writers left: poison them too for this run.
    for name in ("install", "tar"):
        f = tmp_path / "poison-bin" / name
        f.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit 1\n')
        f.chmod(0o755)
    proc = make(f"install-{role}", env, DRY_RUN="1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not calls.exists(), calls.read_text()
    out = proc.stdout
    assert "dry run: nothing is changed" in out
    assert "(skipped: dry run) env DEBIAN_FRONTEND=noninteractive apt-get install" in out
    if role == "kiosk":
        for expected in (
            "useradd --system --user-group --home-dir /var/lib/lobby-kiosk",
            "usermod -a -G dialout kiosk", "usermod -a -G video kiosk", "usermod -a -G input kiosk",
            "/opt/lobby-kiosk/.venv/bin/pip install -q /opt/lobby-kiosk[ui]",
            "-> /etc/systemd/system/lobby-kiosk.service",
            "-> /etc/udev/rules.d/90-lobby-kiosk.rules",
            "-> /etc/modprobe.d/lobby-kiosk-nfc-blacklist.conf",
            "-> /var/lib/lobby-kiosk/kivy/config.ini",
            "modprobe -r pn533_usb pn533 nfc",
            "systemctl enable --now pcscd.socket",
            "systemctl set-default multi-user.target",
            "systemctl enable lobby-kiosk.service",
        ):
            assert expected in out, expected
        assert "pcscd" in out and "libmtdev1" in out and "xvfb" not in out  # no X on a kiosk
    else:
        for expected in ("useradd --system --user-group --home-dir /var/lib/lobby-central",
                         "/opt/lobby-kiosk/.venv/bin/pip install -q /opt/lobby-kiosk\n",
                         "-> /etc/systemd/system/lobby-central.service",
                         "-> /etc/lobby-central/env", "systemctl enable lobby-central.service"):
            assert expected in out, expected
        assert "[ui]" not in out  # a central server needs no Kivy


def test_destdir_stages_the_kiosk_files_and_touches_nothing_else(
        poisoned: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, calls = poisoned
    dest = tmp_path / "stage"
    proc = make("install-kiosk", env, DESTDIR=str(dest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not calls.exists(), calls.read_text()
    unit = dest / "etc/systemd/system/lobby-kiosk.service"
    assert unit.read_bytes() == (ROOT / "systemd/lobby-kiosk.service").read_bytes()
    assert _mode(unit) == 0o644
    assert _mode(dest / "etc/lobby-kiosk/kiosk.toml") == 0o640  # may name a CA, a token path
    assert (dest / "etc/udev/rules.d/90-lobby-kiosk.rules").is_file()
    assert "blacklist pn533_usb" in (dest / "etc/modprobe.d/lobby-kiosk-nfc-blacklist.conf").read_text()
    assert _mode(dest / "var/lib/lobby-kiosk") == 0o700
    assert _mode(dest / "var/lib/lobby-kiosk/kivy/config.ini") == 0o600
    # The code, without the checkout's venv, tests or demo data.
    app = dest / "opt/lobby-kiosk"
    assert (app / "pyproject.toml").is_file() and (app / "kiosk/cli.py").is_file()
    assert not (app / ".venv").exists() and not (app / "tests").exists() and not (app / "var").exists()
    # The config it installs is one the kiosk accepts, naming the udev names.
    cfg = config.load(str(dest / "etc/lobby-kiosk/kiosk.toml"))
    assert "/dev/lobby-relay" in cfg.devices.relay and "/dev/lobby-scanner" in cfg.devices.qr_scanner
    assert "/dev/lobby-printer" in cfg.devices.printer and "/dev/lobby-idcard" in cfg.devices.id_reader

    # Run again after the installer edited the config: it is kept; the unit is refreshed.
    (dest / "etc/lobby-kiosk/kiosk.toml").write_text("# edited on site\n")
    unit.write_text("stale\n")
    again = make("install-kiosk", env, DESTDIR=str(dest))
    assert again.returncode == 0, again.stderr
    assert (dest / "etc/lobby-kiosk/kiosk.toml").read_text() == "# edited on site\n"
    assert "/etc/lobby-kiosk/kiosk.toml exists; kept as it is" in again.stdout
    assert unit.read_bytes() == (ROOT / "systemd/lobby-kiosk.service").read_bytes()
    assert not calls.exists()


def test_destdir_stages_central(poisoned: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, calls = poisoned
    dest = tmp_path / "stage"
    proc = make("install-central", env, DESTDIR=str(dest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not calls.exists(), calls.read_text()
    assert (dest / "etc/systemd/system/lobby-central.service").read_bytes() == (
        ROOT / "systemd/lobby-central.service").read_bytes()
    assert _mode(dest / "etc/lobby-central") == 0o750
    assert _mode(dest / "etc/lobby-central/env") == 0o640
    assert not (dest / "etc/systemd/system/lobby-kiosk.service").exists()


@pytest.mark.parametrize(
    ("args", "vars_", "message"),
    [
        (["kiosk"], {"DESTDIR": "relative/dir"}, "DESTDIR must be an absolute path"),
        (["kiosk"], {"DESTDIR": "/"}, "DESTDIR=/ is this machine"),
        (["kiosk"], {"DESTDIR": "/tmp/../"}, "DESTDIR=/ is this machine"),
        (["pi"], {"DRY_RUN": "1"}, "usage:"),
        ([], {"DRY_RUN": "1"}, "usage:"),
    ],
)
def test_bad_arguments_are_refused_before_any_step(args: list[str], vars_: dict[str, str],
                                                   message: str,
                                                   poisoned: tuple[dict[str, str], Path]) -> None:
    env, calls = poisoned
    proc = subprocess.run([str(ROOT / "systemd/install.sh"), *args], cwd=ROOT,
                          env={**env, **vars_}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "==>" not in proc.stdout
    assert not calls.exists()


# -- the udev rules ------------------------------------------------------------------------------

RULES = ROOT / "systemd/90-lobby-kiosk.rules"
# One udev key: NAME or NAME{attr}, an operator, a double-quoted value (udev(7)).
TOKEN = re.compile(r'^\s*[A-Z_]+(\{[^}]*\})?\s*(==|!=|\+=|-=|:=|=)\s*"[^"]*"\s*$')


def _rules() -> list[list[str]]:
    lines = [ln for ln in RULES.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return [ln.split(",") for ln in lines]


def test_udev_rules_parse() -> None:
    # No udevadm here (no udev in a container, and `udevadm verify` is systemd ≥ 254): check the
    # syntax udev(7) defines, token by token.
    bad = [",".join(rule) for rule in _rules() for tok in rule if not TOKEN.match(tok)]
    assert bad == []
    gotos = {re.search(r'GOTO="([^"]+)"', ",".join(r)).group(1)  # type: ignore[union-attr]
             for r in _rules() if "GOTO=" in ",".join(r)}
    labels = {re.search(r'LABEL="([^"]+)"', ",".join(r)).group(1)  # type: ignore[union-attr]
              for r in _rules() if "LABEL=" in ",".join(r)}
    assert gotos and gotos <= labels


def test_each_lobby_name_comes_from_a_usb_port_path() -> None:
    named: dict[str, list[str]] = {}
    for rule in _rules():
        text = ",".join(rule)
        m = re.search(r'SYMLINK\+="([^"]+)"', text)
        if m:
            assert 'ENV{ID_PATH}=="' in text and "-usb-" in text, text  # by port, not by order
            named.setdefault(m.group(1), []).append(text)
    assert set(named) == {"lobby-relay", "lobby-scanner", "lobby-printer", "lobby-idcard"}


def test_the_test_would_catch_a_broken_rule(tmp_path: Path) -> None:
    assert not TOKEN.match(' SYMLINK+=lobby-relay')  # unquoted value
    assert not TOKEN.match(' ENV{ID_PATH}=="x" SYMLINK+="y"')  # a missing comma
    assert TOKEN.match(' ENV{ID_PATH}=="platform-x-usb-0:1.1:1.0"')
