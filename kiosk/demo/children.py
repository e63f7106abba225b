"""The processes the demo starts: each in a process group of its own, all stopped together.

Each child gets its own session so the demo decides the order of stopping (the kiosk first:
its relays go off; then central) and can signal a child's whole group, grandchildren
included. Linux's PR_SET_PDEATHSIG is the net under that: should the demo itself be killed
(SIGKILL, an OOM kill) a child still gets SIGTERM instead of running on as an orphan.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
STOP_WAIT_S = 15.0
KILL_WAIT_S = 5.0

# Resolved before any fork: the child between fork and exec must not load libraries.
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with(parent: int) -> Callable[[], None]:
    def preexec() -> None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the demo died before prctl took effect
            os._exit(1)
    return preexec


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.proc.pid


class Children:
    """Start children whose output lines go to `on_line(name, line)`; stop() ends them all."""

    def __init__(self, on_line: Callable[[str, str], None]) -> None:
        self._on_line = on_line
        self._lock = threading.Lock()
        self._children: list[Child] = []
        self._stopping = False

    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> Child:
        with self._lock:
            if self._stopping:
                raise RuntimeError("the demo is stopping")
            # The pipe is read by a thread of ours: a child never blocks on a full pipe.
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, env=env,
                                    start_new_session=True, preexec_fn=_die_with(os.getpid()))
            child = Child(name, proc)
            self._children.append(child)
        threading.Thread(target=self._pump, args=(child,), name=f"demo-out:{name}", daemon=True).start()
        return child

    def _pump(self, child: Child) -> None:
        assert child.proc.stdout is not None
        for line in child.proc.stdout:
            self._on_line(child.name, line.rstrip("\n"))

    @property
    def started(self) -> int:
        with self._lock:
            return len(self._children)

    def running(self) -> list[Child]:
        with self._lock:
            return [c for c in self._children if c.proc.poll() is None]

    def exited(self) -> list[Child]:
        """Children that ended on their own (not by stop())."""
        with self._lock:
            return [] if self._stopping else [c for c in self._children if c.proc.poll() is not None]

    def stop(self) -> None:
        """SIGTERM each child's group, newest first (the kiosk before central); SIGKILL what is
        still there after STOP_WAIT_S. Safe to call twice."""
        with self._lock:
            self._stopping = True
            children = list(reversed(self._children))
        for child in children:
            _signal_group(child, signal.SIGTERM)
            try:
                child.proc.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(KILL_WAIT_S)
            # Anything the child started and left behind in its group goes too.
            _signal_group(child, signal.SIGKILL)


def _signal_group(child: Child, sig: signal.Signals) -> None:
    # The group id is the child's pid (start_new_session); the group outlives its leader.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, sig)
