"""One user of the PC/SC test stack at a time, across processes.

pcscd and vpcd's two reader slots are machine-wide: two test sessions (or a session and
`make bench`) inserting cards at once would see each other's cards, and a test that
kills pcscd would break the other. Everything that drives the stack holds this lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_PATH = Path(tempfile.gettempdir()) / "lobby-kiosk-pcsc-stack.lock"


class StackBusy(RuntimeError):
    pass


_held = 0  # re-entrant within a process: flock would block on our own second open


@contextlib.contextmanager
def pcsc_stack_lock(timeout: float = 90.0) -> Iterator[None]:
    global _held
    if _held:
        _held += 1
        try:
            yield
        finally:
            _held -= 1
        return
    with open(LOCK_PATH, "a+") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    f.seek(0)
                    holder = f.read().strip() or "unknown"
                    raise StackBusy(
                        f"the PC/SC test stack (pcscd + vpcd) is in use by pid {holder} "
                        f"for more than {timeout:.0f} s; see {LOCK_PATH}"
                    ) from None
                time.sleep(0.1)
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        _held = 1
        try:
            yield
        finally:
            _held = 0
            fcntl.flock(f, fcntl.LOCK_UN)
