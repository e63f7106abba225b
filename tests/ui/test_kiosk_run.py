"""`kiosk run` with the touchscreen (not --headless), as a process on Xvfb: it starts, a card
tapped on the demo's simulated reader is decided, SIGTERM stops it with every relay off."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.fixtures.kiosk import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_kiosk_run_opens_the_screen_decides_taps_and_stops_on_sigterm(kivy_window: Any,
                                                                      tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[ui]\nfullscreen = false\nsize = "800x480"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_HOME": str(tmp_path / "kivy")}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--demo", "--config", str(cfg)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        wait_for(lambda: any("ready:" in ln for ln in lines), 60, "the kiosk to be ready")
        sock_path = next(m.group(1) for ln in lines if (m := re.search(r"UNIX-SENDTO:(\S+)", ln)))
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"tap 04A1B2C4", sock_path)
        wait_for(lambda: any("entry granted member_no=D002" in ln for ln in lines), 20, "the tap decided")
        assert not any("Traceback" in ln for ln in lines), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    text = "".join(lines)
    assert "stopped; all relays off" in text
    assert "李华" not in text  # the member's name is never logged
