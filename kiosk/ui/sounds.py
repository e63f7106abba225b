"""The short sounds for a member's result: a rising chime for granted, a low double beep for
refused. A kiosk without audio (or a sound that fails to load) stays silent and logs once."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SOUND_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds"


class Sounds:
    def __init__(self, directory: Path = SOUND_DIR, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled
        self._loaded: dict[str, Any] = {}
        self.played: list[str] = []  # what was asked for, in order (diagnostics, tests)

    def play(self, name: str) -> None:
        self.played.append(name)
        if not self.enabled:
            return
        if name not in self._loaded:
            from kivy.core.audio import SoundLoader

            path = self.directory / f"{name}.wav"
            sound = SoundLoader.load(str(path)) if path.is_file() else None
            if sound is None:
                log.warning("ui: sound %s cannot be played (no audio output or no file %s)",
                            name, path)
            self._loaded[name] = sound
        sound = self._loaded[name]
        if sound is not None:
            sound.stop()
            sound.play()
