"""`kiosk` keeps python-escpos's parsed printer database in a private cache directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.cli import keep_escpos_cache

VAR = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def test_a_private_cache_directory_is_made_and_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    keep_escpos_cache()
    cache = tmp_path / "lobby-kiosk" / "escpos"
    assert os.environ[VAR] == str(cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_a_directory_others_can_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "lobby-kiosk" / "escpos"
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    keep_escpos_cache()
    assert VAR not in os.environ


def test_an_explicit_setting_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "/somewhere")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    keep_escpos_cache()
    assert os.environ[VAR] == "/somewhere" and not (tmp_path / "lobby-kiosk").exists()
