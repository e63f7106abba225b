"""The Kivy test harness: one Xvfb per session (a free display, chosen by Xvfb itself), Kivy
configured for it before its first import, and `ui`: the real KioskApp around a real Kiosk
from bootstrap.build (sim:// devices, a SQLite store) driven by touches.

Test modules here must not import kivy (or kiosk.ui.app) at their top: the `kivy_window`
fixture has to set the environment first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk import config
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SCREEN = (1920, 1920)  # room for every size the kiosk supports, portrait 1080x1920 included
SIZES = ((800, 480), (1280, 800), (1080, 1920))
WAIT_S = 10.0


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb picks a free display number itself and writes it to a pipe (-displayfd)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed (Debian package xvfb; `make sysdeps` installs it)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        number = pipe.readline().strip().decode()  # blocks until Xvfb is ready (or dies)
    if not number.isdigit():
        proc.kill()
        pytest.fail(f"Xvfb did not start (exit {proc.wait()})")
    return proc, f":{number}"


@pytest.fixture(scope="session")
def kivy_window(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    proc, display = start_xvfb()
    os.environ["DISPLAY"] = display
    from kiosk.ui import window

    window.prepare_environment(tmp_path_factory.mktemp("kivy-home"))
    window.configure(config.UiSection(fullscreen=False, size="800x480"))
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    Window.close = lambda *_a: None  # a test's app stopping must not end the session's window
    try:
        yield Window
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def seed_members(data_dir: Path, rows: list[dict[str, str]]) -> None:
    from kiosk.store import Store

    store = Store.open(data_dir)
    try:
        with store.write() as tx:
            tx.import_members(parse_csv(members_csv_bytes(rows)).members, datetime.now(UTC))
    finally:
        store.close()


MEMBERS = [
    member_row("M1", "04A1B2C3", name="张小明", visits=5),
    member_row("M2", "04A1B2C6", name="李华", status="frozen"),
    member_row("M3", "04A1B2C5", name="王芳", valid_until="2024-12-31"),
]


@dataclass
class Ui:
    """The running app and its kiosk, with ways to touch it and wait for it."""

    app: Any
    kiosk: Any
    window: Any
    played: list[str] = field(default_factory=list)

    def frame(self) -> None:
        from kivy.base import EventLoop

        EventLoop.idle()

    def wait(self, predicate: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
        """Run frames until predicate() holds; fail naming `what` after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            self.frame()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what} "
                                     f"(screen: {self.app.screens.current})")

    def screen(self, name: str | None = None) -> Any:
        sm = self.app.screens
        return sm.get_screen(name) if name else sm.current_screen

    def widget(self, wid: str, screen: str | None = None) -> Any:
        return self.screen(screen).ids[wid]

    def press(self, widget: Any, hold_s: float = 0.0) -> None:
        """A finger down on the widget's centre, held `hold_s` (frames keep running), then up."""
        from kivy.tests.common import UnitTestTouch

        for _ in range(2):  # a screen just made current lays itself out in its first frames
            self.frame()
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        end = time.monotonic() + hold_s
        self.frame()
        while time.monotonic() < end:
            self.frame()
        touch.touch_up()
        self.frame()

    def tap(self, wid: str, screen: str | None = None) -> None:
        self.press(self.widget(wid, screen))

    def resize(self, size: tuple[int, int]) -> None:
        self.window.size = size
        self.wait(lambda: tuple(self.window.size) == tuple(size) and
                  tuple(self.app.screens.size) == tuple(size), f"window size {size}")
        for _ in range(3):  # layouts settle over a few frames
            self.frame()


def kiosk_config(tmp_path: Path, name: str, **ui: Any) -> config.Config:
    return config.from_dict({
        "kiosk": {"data_dir": str(tmp_path / "data"), "facility": "gym", "name": "会所大堂"},
        "devices": {"card_reader": f"sim://?name={name}", "relay": f"sim://?name={name}"},
        "ui": {"fullscreen": False, "size": "800x480", "idle_form_s": 30, "idle_result_s": 5, **ui},
    })


@pytest.fixture
def make_ui(kivy_window: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Ui]]:
    """make_ui(**ui_settings, extras={attr: stand_in}) -> a started Kiosk inside a running app."""
    from kiosk.bootstrap import build
    from kiosk.ui.app import make_app
    from kiosk.ui.sounds import Sounds

    started: list[tuple[Any, Any]] = []

    def make(extras: dict[str, Any] | None = None, **ui: Any) -> Ui:
        name = f"ui-{request.node.name}"[:40].replace("[", "-").replace("]", "")
        cfg = kiosk_config(tmp_path, name, **ui)
        seed_members(cfg.data_path, MEMBERS)
        kiosk = build(cfg)
        for attr, value in (extras or {}).items():
            setattr(kiosk, attr, value)
        kiosk.start()
        sounds = Sounds(enabled=False)
        app = make_app(kiosk, sounds=sounds)
        started.append((app, kiosk))
        app._run_prepare()  # what App.run() does before its loop; the test runs the frames
        harness = Ui(app, kiosk, kivy_window, played=sounds.played)
        harness.resize((800, 480))
        harness.wait(lambda: app.health, "the first health poll")
        return harness

    yield make
    for app, kiosk in started:
        try:
            app.dispatch("on_stop")
            for child in list(kivy_window.children):
                kivy_window.remove_widget(child)
            from kivy.app import App

            App._running_app = None
        finally:
            kiosk.stop()
