"""Visitor passes end to end: `kiosk run --headless` as a subprocess with a sim:// QR scanner
driven through its control socket and a sim:// relay, the pass keys in its store as sync puts
them. A genuine pass opens the gate (its event recorded, then the pulse confirmed); the same
pass again at once is held by anti-passback; a single-entry pass is used up after its entry; a
forged one and an invitation are refused with no event and no pulse. The log names pass ids
and reasons, never a pass's text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devices.sim_control import send_command
from kiosk.store import PulseState, Store
from lobby_core import passes
from tests.fixtures.kiosk import KioskProcess
from tests.unit.domain.pass_builders import altered, keys_as_synced

pytestmark = pytest.mark.integration


def _pass(ring: passes.KeyRing, pass_id: int, entries: int | None) -> str:
    now = datetime.now(UTC)
    return passes.encode_pass(passes.PassClaims(
        pass_id=pass_id, visit_id=500 + pass_id, valid_from=now - timedelta(minutes=10),
        valid_until=now + timedelta(hours=2), facilities=frozenset({"gym"}),
        entries_allowed=entries), ring)


def _scan(kiosk: KioskProcess, sock: str, text: str, expect: str) -> str:
    before = len(kiosk.lines)
    assert send_command(sock, f"scan {text}") == "ok"
    return kiosk.wait_line(expect, timeout=15, start=before)


def test_passes_at_a_headless_kiosk(tmp_path: Path, kiosk_process) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    ring = passes.KeyRing.generate()
    store = Store.open(data)
    with store.write() as tx:
        tx.put_pass_keys(keys_as_synced(ring))  # what a sync cycle stores from GET /keys
    store.close()
    sock = str(tmp_path / "qr.sock")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{data}"\nfacility = "gym"\n'
        f'[devices]\ncard_reader = "sim://?name=e2e-cards"\nrelay = "sim://?name=e2e-gate&channels=4"\n'
        f'qr_scanner = "sim://?name=e2e-qr&control={sock}"\n'
        "[access]\nanti_passback_s = 600\n")
    kiosk = kiosk_process(config)
    kiosk.wait_line("ready:")
    two, one = _pass(ring, 11, 2), _pass(ring, 12, 1)
    invitation = passes.encode_invitation(passes.InvitationClaims(
        77, datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC) + timedelta(hours=1)), ring)

    assert "pulse=confirmed" in _scan(kiosk, sock, two, "pass granted pass_id=11 reason=- entries_left=1")
    _scan(kiosk, sock, two, "pass denied pass_id=11 reason=anti_passback")
    _scan(kiosk, sock, one, "pass granted pass_id=12 reason=- entries_left=0")
    _scan(kiosk, sock, one, "pass denied pass_id=12 reason=used_up")
    _scan(kiosk, sock, altered(two), "pass denied pass_id=- reason=forged")
    _scan(kiosk, sock, invitation, "pass denied pass_id=- reason=wrong_kind")
    _scan(kiosk, sock, "hello 访客", "pass denied pass_id=- reason=garbage")
    assert kiosk.stop() == 0

    log = "\n".join(kiosk.lines)
    for text in (two, one, altered(two), invitation):
        assert text[:24] not in log
    store = Store.open(data)
    try:
        with store.read() as tx:
            events = tx.events()
            assert [(e.pass_id, e.visit_id, e.granted, e.reason, e.pulse_state) for e in events] == [
                (11, 511, True, None, PulseState.CONFIRMED),  # recorded, pulsed, then confirmed
                (11, 511, False, "anti_passback", PulseState.NONE),
                (12, 512, True, None, PulseState.CONFIRMED),
                (12, 512, False, "used_up", PulseState.NONE),
            ]
            assert (tx.pass_usage(11).entries, tx.pass_usage(12).entries) == (1, 1)
    finally:
        store.close()
