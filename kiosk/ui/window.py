"""Kivy's process-wide settings, applied before Kivy is imported: where it keeps its files,
no argument parsing, Python logging left alone, and the window from `[ui]`.

On a desktop or under Xvfb SDL2 opens an X11 window; on a Raspberry Pi with no X server the
same wheel's SDL2 draws through KMS/DRM (see the README's Touchscreen section).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MAX_FPS = 30


def prepare_environment(kivy_home: Path) -> None:
    """Must run before the first `import kivy` anywhere in the process."""
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(kivy_home))
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # `kiosk run` parses its own arguments
    os.environ.setdefault("KIVY_NO_FILELOG", "1")  # the kiosk logs to the journal, not ~/.kivy
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # keep our logging configuration


def parse_size(size: str) -> tuple[int, int]:
    w, _, h = size.lower().partition("x")
    return int(w), int(h)


def configure(ui: Any) -> None:
    """Window settings from a `[ui]` section; before kivy.core.window is imported.

    Input providers are not set here: they belong to the machine (KIVY_HOME/config.ini, which
    the installer writes for the Pi's touch panel: mtdev, and SDL's mouse ignored while
    touches arrive). Setting them here as well would add a second provider per device and
    every tap would land twice."""
    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto" if ui.fullscreen else "0")
    if not ui.fullscreen:  # fullscreen takes the display's own size; `size` would crop it
        width, height = parse_size(ui.size)
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))
    Config.set("graphics", "rotation", str(ui.rotation))
    Config.set("graphics", "resizable", "0" if ui.fullscreen else "1")
    # 30 frames a second is smooth for a kiosk's animations and leaves the small board's CPU
    # to the card reader, sync and the printer (Kivy's default is 60).
    Config.set("graphics", "maxfps", str(MAX_FPS))
    Config.set("kivy", "exit_on_escape", "0")  # a keyboard left on a kiosk must not close it
    if ui.fullscreen:
        Config.set("graphics", "show_cursor", "0")
