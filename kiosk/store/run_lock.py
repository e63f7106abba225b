"""Which processes may have pulses in flight on this store: the kiosk runs that hold its lock.

Every `kiosk run` (anything that records an event and then pulses a relay) holds a shared
flock on data_dir/kiosk.run.lock for its lifetime. The kernel drops it when the process dies,
so a process that can take the lock exclusively knows no other run is alive, and every
"pending" event is an orphan of a run that died between record and pulse. Other commands
(sync --once, members import, enroll) never touch pending rows.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import StoreError

LOCK_FILENAME = "kiosk.run.lock"


class RunLock:
    """Held (shared) while this process may record events and pulse relays."""

    def __init__(self, fd: int, alone: bool) -> None:
        self._fd: int | None = fd
        self.alone = alone  # no other run held the lock when this one started

    @classmethod
    def acquire(cls, data_dir: Path | str) -> RunLock:
        path = Path(data_dir) / LOCK_FILENAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the run lock: {exc.strerror}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                alone = True
            except BlockingIOError:
                alone = False
            # Downgrade (or join the others): runs only ever share it. A run starting while
            # we convert may see itself alone too, which is true: neither has recorded yet.
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"{path}: cannot take the run lock: {exc.strerror}") from None
        return cls(fd, alone)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def held_elsewhere(data_dir: Path | str) -> bool | None:
    """Whether a kiosk run holds the lock now (for `kiosk diag`: ask it, don't open its ports);
    None when this user may not read the lock (the kiosk's own user or root may).

    Takes the lock exclusively for an instant and drops it. A run starting in that instant
    sees itself not alone, which only makes its orphan recovery more careful."""
    path = Path(data_dir) / LOCK_FILENAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except PermissionError:
        return None
    except OSError:
        return False  # no lock file: no run ever started here
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops a lock we took
    return False
