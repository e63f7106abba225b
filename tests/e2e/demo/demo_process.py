"""A `python -m kiosk.demo` subprocess for the demo's tests: its lines, its panel, its children."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.fixtures.kiosk import REPO, wait_for

START_S = 150.0  # central's set-up commands and the kiosk's start, on a machine shared by many
STOP_S = 45.0  # the kiosk stops first (up to 15 s), then central


class DemoProcess:
    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.root = root
        base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.demo", "--root", str(root), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=REPO, env={**base, "PYTHONPATH": str(REPO), **(env or {})})
        self.lines: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def wait_line(self, pattern: str, timeout: float = 30.0, start: int = 0) -> str:
        rx = re.compile(pattern)

        def found() -> str | None:
            with self._lock:
                return next((ln for ln in self.lines[start:] if rx.search(ln)), None)

        try:
            return wait_for(found, timeout, f"a demo line matching {pattern!r}")
        except AssertionError:
            said = self.text()[-4000:]
            raise AssertionError(f"no line matching {pattern!r}; the demo said:\n{said}") from None

    def wait_ready(self) -> None:
        self.wait_line(r"^demo: kiosk \(pid \d+\).*ready$", START_S)

    def command(self, line: str, expect: str, timeout: float = 20.0) -> str:
        """Type a line at the panel; the first line after it that matches `expect`."""
        start = len(self.lines)
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.wait_line(expect, timeout, start)

    def child_pids(self) -> dict[str, int]:
        out = {}
        for name in ("central", "kiosk"):
            m = re.search(rf"^demo: {name} \(pid (\d+)\)", self.text(), re.M)
            assert m, f"the demo did not name its {name} process"
            out[name] = int(m.group(1))
        return out

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = STOP_S) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """Test teardown: whatever happened, nothing of this demo stays running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for pid in processes_mentioning(str(self.root)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def processes_mentioning(text: str) -> list[int]:
    """Every live process whose command line or environment holds `text` (the process table)."""
    needle = text.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdecimal() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_text().split(")")[-1].split()[0] == "Z":
                continue  # a zombie has ended; only its exit status waits to be collected
            blob = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in blob:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float = STOP_S) -> None:
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            raise AssertionError(f"still running after {timeout} s: {[p for p in pids if alive(p)]}")
        time.sleep(0.1)
