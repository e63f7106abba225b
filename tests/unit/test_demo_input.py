"""The demo's typed input: a demo card number or a UID taps; anything else says why."""

from __future__ import annotations

import io
import signal
from types import SimpleNamespace

import pytest

from kiosk import demo as demo_mod


def test_typed_cards_tap_and_typos_are_answered(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    taps: list[str] = []
    fake = SimpleNamespace(central_url="http://127.0.0.1:1", tap=taps.append)
    monkeypatch.setattr("sys.stdin", io.StringIO("1\nzz\n04a1b2\n04:a1:b2:c3:d4:e5:f6\n\n"))
    monkeypatch.setattr(signal, "sigwait", lambda _signals: None)
    demo_mod.interactive(fake)  # type: ignore[arg-type]
    assert taps == ["04A1B2C3", "04:a1:b2:c3:d4:e5:f6"]
    out = capsys.readouterr().out
    assert "'zz' is neither a demo card" in out and "'04a1b2' is neither a demo card" in out
