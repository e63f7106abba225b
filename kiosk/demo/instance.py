"""One demo per data directory: a second `make demo` says who runs instead of wiping its data,
and a demo wipes only a directory a demo made (`fresh_root`), never a --root typed by mistake.

The lock is an flock on `<root>.lock` beside the data directory (the data directory itself is
wiped at each start). The kernel drops an flock when its holder dies however it dies, so a
demo that was killed never leaves a stale lock behind; the file only says who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from pathlib import Path

MARKER = ".lobby-demo"  # in every data directory a demo made: only those are wiped
# What a demo puts in its directory: one holding nothing else is a demo's (made before MARKER).
DEMO_ENTRIES = frozenset({MARKER, "central", "kiosk", "slips", "run", "members.csv", "hosts.csv",
                          "kiosk.toml"})


class NotADemoDirectory(Exception):
    """--root names a directory with other things in it; str() says what to do."""


def fresh_root(root: Path) -> None:
    """Empty `root` for a new run: wiped when a demo made it, created when absent; a directory
    with anything else in it is refused (a mistyped --root must not cost anyone their files)."""
    if root.exists():
        if not root.is_dir() or not ((root / MARKER).is_file()
                                     or all(p.name in DEMO_ENTRIES for p in root.iterdir())):
            raise NotADemoDirectory(
                f"{root} exists and is not a demo's data directory (it has no {MARKER}); "
                "the demo wipes its directory at each start, so it will not use this one. "
                "Give --root a new or empty directory.")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by python -m kiosk.demo; wiped at its next start\n",
                               encoding="utf-8")


class DemoAlreadyRunning(Exception):
    """Another demo holds the lock; str() says which one and what to do."""


class InstanceLock:
    def __init__(self, root: Path) -> None:
        self.path = root.with_name(root.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_owner(fd)
            os.close(fd)
            raise DemoAlreadyRunning(_describe(owner, self.path)) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.note(pid=os.getpid())

    def note(self, **facts: object) -> None:
        """Record facts about the running demo (pid, console URL) for a second demo to show."""
        if self._fd is None:
            return
        current = _read_owner(self._fd)
        current.update(facts)
        data = json.dumps(current).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None


def _read_owner(fd: int) -> dict[str, object]:
    try:
        raw = os.pread(fd, 4096, 0)
        owner = json.loads(raw) if raw else {}
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _describe(owner: dict[str, object], path: Path) -> str:
    pid = owner.get("pid")
    console = owner.get("console")
    who = f"pid {pid}" if isinstance(pid, int) else f"it holds {path}"
    where = f", console at {console}" if isinstance(console, str) else ""
    return (f"a demo is already running with this data directory ({who}{where}); its data is left "
            "alone. Use that one, stop it first (Ctrl-C in its terminal), or start another "
            "with its own --root DIR.")
