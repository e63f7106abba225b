"""`kiosk run` stopping: every relay is off before the slow joins (sync threads, reader), and
a failure while starting sync still stops the kiosk. In-process, sim:// devices."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from devices import simhub
from devices.relay.sim import SimRelay
from kiosk import bootstrap
from kiosk.commands import run
from kiosk.sync.worker import SyncWorker
from tests.fixtures.kiosk import write_config

pytestmark = pytest.mark.integration

GATE_URL = "sim://?name=stop-order"


@pytest.fixture
def args(tmp_path: Path, monkeypatch) -> argparse.Namespace:
    monkeypatch.setattr(run, "setup_logging", lambda level: None)  # keep pytest's log capture
    cfg = write_config(tmp_path / "kiosk.toml", tmp_path / "data",
                       card_reader="sim://?name=stop-order", relay=GATE_URL)
    return argparse.Namespace(config=str(cfg), demo=False, headless=True)


def _gate() -> SimRelay:
    gate = simhub.get("relay", "stop-order")
    assert isinstance(gate, SimRelay)
    return gate


def test_relays_are_off_before_sync_is_joined(args: argparse.Namespace, monkeypatch) -> None:
    seen_at_sync_stop: list[bool] = []

    def slow_sync_stop(self: SyncWorker, timeout: float = 5.0) -> None:
        # stands for joins that take seconds
        seen_at_sync_stop.append(_gate().board_state(0))

    def serve(kiosk: bootstrap.Kiosk, stop: object, service: object = None) -> None:
        _gate().set(0, True)  # the turnstile is open when SIGTERM arrives

    monkeypatch.setattr(SyncWorker, "stop", slow_sync_stop)
    monkeypatch.setattr(run, "serve", serve)
    assert run.main(args) == 0
    assert seen_at_sync_stop == [False]


def test_a_failing_sync_start_still_stops_the_kiosk(args: argparse.Namespace,
                                                     monkeypatch) -> None:
    built: list[bootstrap.Kiosk] = []

    def build(cfg: object) -> bootstrap.Kiosk:
        built.append(bootstrap.build(cfg))  # type: ignore[arg-type]
        built[0].gate_relay.set(0, True)
        return built[0]

    def start_sync(self: SyncWorker) -> None:
        raise RuntimeError("sync state unreadable")

    monkeypatch.setattr(run, "build", build)
    monkeypatch.setattr(SyncWorker, "start", start_sync)
    with pytest.raises(RuntimeError, match="sync state unreadable"):
        run.main(args)
    gate = built[0].gate_relay
    assert isinstance(gate, SimRelay)
    assert not gate.board_state(0)
    assert "closed" in gate.health().reason
