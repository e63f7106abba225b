"""The PC/SC test stack lock: one session or bench at a time, re-entrant in-process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.vcard import StackBusy, lock, pcsc_stack_lock


def test_busy_lock_names_the_holder_and_reentry_works(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "stack.lock"
    monkeypatch.setattr(lock, "LOCK_PATH", path)
    monkeypatch.setattr(lock, "_held", 0)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, fcntl, os; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
         "f.write(str(os.getpid())); f.flush(); print('held', flush=True); sys.stdin.read()",
         str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StackBusy, match=f"in use by pid {holder.pid}"), \
                pcsc_stack_lock(timeout=0.3):
            pass
    finally:
        holder.communicate("", timeout=10)
    with pcsc_stack_lock(timeout=1), pcsc_stack_lock(timeout=0):
        assert lock._held == 2
    assert lock._held == 0
