"""The real sim:// scanner feeding the real PassEntrance (real store, sim:// relay): whatever
bytes or text a scanner sends, every line is answered, none fails the entrance, nothing opens
the gate, and the scanner loop is still alive to admit a genuine pass afterwards."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import devices
from devices import Scan
from devices.relay.sim import SimRelay
from devices.scanner.sim import SimScanner
from kiosk.app import Gate, PassEntrance, PassResult, PassSettings
from kiosk.app.pass_entrance import PASS_ERROR
from kiosk.store import Store
from lobby_core import passes
from tests.fixtures.kiosk import wait_for
from tests.unit.domain.pass_builders import SHANGHAI, keys_as_synced

pytestmark = pytest.mark.integration
GATE = 1


@dataclass
class Rig:
    scanner: SimScanner
    relay: SimRelay
    entrance: PassEntrance
    ring: passes.KeyRing
    lines: list[str] = field(default_factory=list)  # every line the scanner delivered
    results: list[PassResult] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self, text: str) -> bool:
        with self.lock:
            return text in self.lines


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    data: Path = tmp_path_factory.mktemp("passes") / "data"
    store = Store.open(data)
    ring = passes.KeyRing.generate()
    with store.write() as tx:
        tx.put_pass_keys(keys_as_synced(ring))
    relay = devices.open_relay("sim://?name=pass-scanner-gate&channels=2")
    scanner = devices.open_scanner("sim://?name=pass-scanner")
    assert isinstance(relay, SimRelay) and isinstance(scanner, SimScanner)
    entrance = PassEntrance(store, Gate(store, relay, GATE, pulse_ms=20),
                            PassSettings(facility="gym", zone=SHANGHAI))
    rig = Rig(scanner, relay, entrance, ring)
    entrance.subscribe(rig.results.append)

    def on_scan(scan: Scan) -> None:
        with rig.lock:
            rig.lines.append(scan.text)
        entrance.handle_scan(scan)

    scanner.start(on_scan)
    yield rig
    scanner.stop()
    relay.close()
    store.close()


_examples = iter(range(10**9))


def _settle(rig: Rig) -> None:
    """End any partial line, then wait until a marker line behind it has been handled."""
    marker = f"MARKER-{next(_examples)}"
    assert rig.scanner.feed(b"\r")
    assert rig.scanner.scan(marker)
    wait_for(lambda: rig.delivered(marker), 10, f"the scanner to deliver {marker}")


def _check(rig: Rig) -> None:
    with rig.lock:
        lines = len(rig.lines)
    wait_for(lambda: len(rig.results) >= lines, 10, "a result for every line")
    assert len(rig.results) == lines
    assert not [r for r in rig.results if r.granted or r.reason == PASS_ERROR]
    assert rig.relay.pulses() == []
    assert rig.scanner.health().is_ok


SLOW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(st.binary(max_size=700))
def test_any_bytes_leave_the_loop_alive(rig: Rig, data: bytes) -> None:
    assert rig.scanner.feed(data)
    _settle(rig)
    _check(rig)


@SLOW
@given(st.text(max_size=300) | st.sampled_from(["", " ", "\r", "\n\n", "\x00", "0" * 5000]))
def test_any_text_leaves_the_loop_alive(rig: Rig, text: str) -> None:
    assert rig.scanner.scan(text)
    _settle(rig)
    _check(rig)


def test_after_all_that_a_genuine_pass_opens_the_gate_once(rig: Rig) -> None:
    now = datetime.now(UTC)
    text = passes.encode_pass(passes.PassClaims(
        pass_id=1, visit_id=1, valid_from=now - timedelta(minutes=5),
        valid_until=now + timedelta(hours=1), facilities=frozenset({"gym"}), entries_allowed=1), rig.ring)
    before = len(rig.results)
    assert rig.scanner.scan(text)
    wait_for(lambda: len(rig.results) > before, 10, "the pass's result")
    assert rig.results[before].granted
    assert [p.channel for p in rig.relay.wait_for_pulses(1)] == [GATE]
