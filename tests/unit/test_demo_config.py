"""The kiosk.toml the demo writes: this build's config loader accepts it, window or not, and
every sim:// device has its control socket at a path a UNIX socket can have."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from devices.url import parse as parse_url
from kiosk import config
from kiosk.demo.panel import Sockets
from kiosk.demo.stack import Stack


def _stack(root: Path) -> Stack:
    stack = Stack(root, lambda _text: None, echo=False)
    stack.central_url = "http://127.0.0.1:8600"
    return stack


@pytest.mark.parametrize("window", [False, True])
def test_the_written_config_loads_with_every_sim_device_on_its_socket(tmp_path: Path, window: bool) -> None:
    stack = _stack(tmp_path / "demo sp&ce")  # a space and an & must survive the URL query
    cfg = config.load(str(stack.write_kiosk_config(window)))
    d = cfg.devices
    for url, sock in [(d.card_reader, stack.sockets.card_reader), (d.relay, stack.sockets.relay),
                      (d.printer, stack.sockets.printer), (d.qr_scanner, stack.sockets.scanner),
                      (d.id_reader, stack.sockets.id_reader)]:
        assert url.startswith("sim://?")
        assert parse_url(url).get_str("control") == sock
    assert cfg.central.url == "http://127.0.0.1:8600"
    assert cfg.kiosk.timezone == (os.environ.get("CENTRAL_TIMEZONE") or "Asia/Shanghai")
    if window and any(f.name == "ui" for f in dataclasses.fields(config.Config)):
        assert cfg.ui.fullscreen is False  # type: ignore[attr-defined]  # a window beside the terminal


def test_a_deep_root_puts_the_sockets_where_a_socket_path_fits(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    stack = _stack(deep)
    for path in dataclasses.astuple(stack.sockets):
        assert len(os.fsencode(path)) <= 107
        assert not path.startswith(str(deep))
    run_dir = Path(stack.sockets.card_reader).parent
    assert run_dir.is_dir()
    stack.remove_short_run_dir()
    assert not run_dir.exists()
    shallow = _stack(tmp_path / "demo")
    assert all(p.startswith(str(tmp_path / "demo" / "run")) for p in dataclasses.astuple(shallow.sockets))
    assert [f.name for f in dataclasses.fields(Sockets)] == [
        "card_reader", "relay", "printer", "scanner", "id_reader"]
