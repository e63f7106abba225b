"""The demo's start-up rules: one demo per data directory, a busy port named, a window only
with a display."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk.demo.display import has_display
from kiosk.demo.instance import MARKER, DemoAlreadyRunning, InstanceLock, NotADemoDirectory, fresh_root
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


def test_fresh_root_wipes_only_what_a_demo_made(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    fresh_root(root)  # absent: made, with its marker
    assert (root / MARKER).is_file()
    (root / "kiosk.db").write_text("old run")
    fresh_root(root)  # a demo's: wiped
    assert sorted(p.name for p in root.iterdir()) == [MARKER]
    empty = tmp_path / "empty"
    empty.mkdir()
    fresh_root(empty)  # empty: fine
    assert (empty / MARKER).is_file()
    older = tmp_path / "older"  # a demo's directory from before the marker
    (older / "central").mkdir(parents=True)
    (older / "kiosk.toml").write_text("[kiosk]\n")
    fresh_root(older)
    assert sorted(p.name for p in older.iterdir()) == [MARKER]
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    (home / "kiosk.toml").write_text("mine")
    with pytest.raises(NotADemoDirectory, match="is not a demo's data directory"):
        fresh_root(home)
    assert (home / "thesis.tex").read_text() == "years of work"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(NotADemoDirectory):
        fresh_root(a_file)
    assert a_file.read_text() == "x"
