"""The demo's start-up rules: one demo per data directory, a busy port named, a window only
with a display."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk.demo.display import has_display
from kiosk.demo.instance import DemoAlreadyRunning, InstanceLock
from kiosk.demo.stack import pick_port


def test_a_second_lock_on_the_same_root_is_refused_naming_the_first(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    first = InstanceLock(root)
    first.acquire()
    first.note(console="http://127.0.0.1:8600/")
    try:
        with pytest.raises(DemoAlreadyRunning) as err:
            InstanceLock(root).acquire()
        assert f"pid {os.getpid()}" in str(err.value)
        assert "console at http://127.0.0.1:8600/" in str(err.value)
        InstanceLock(tmp_path / "other").acquire()  # another --root is another demo
    finally:
        first.release()
    again = InstanceLock(root)
    again.acquire()  # released: the next demo may start
    again.release()
    assert not root.exists()  # the lock never creates (or wipes) the data directory


def test_a_lock_file_with_garbage_in_it_still_locks(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    Path(str(root) + ".lock").write_bytes(b"\xff{not json")
    lock = InstanceLock(root)
    lock.acquire()
    try:
        with pytest.raises(DemoAlreadyRunning, match="already running"):
            InstanceLock(root).acquire()
    finally:
        lock.release()


def test_pick_port_takes_the_preferred_one_when_free_and_says_when_busy() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        busy = held.getsockname()[1]
        port, was_busy = pick_port(busy)
        assert was_busy and port != busy and port > 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert pick_port(free) == (free, False)
    port, was_busy = pick_port(0)
    assert port > 0 and not was_busy


@pytest.mark.parametrize(("env", "expected"), [
    ({}, False), ({"DISPLAY": ""}, False), ({"DISPLAY": ":0"}, True),
    ({"WAYLAND_DISPLAY": "wayland-0"}, True), ({"DISPLAY": "  ", "WAYLAND_DISPLAY": ""}, False),
])
def test_has_display(env: dict[str, str], expected: bool) -> None:
    assert has_display(env) is expected
