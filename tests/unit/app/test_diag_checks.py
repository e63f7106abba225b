"""The checks' judgement: which health reason, disk figure, sync age or read-back becomes
which status and code. Device states are built by hand (each check reads a snapshot, never
a driver); the database, the status file and the sockets are real."""

from __future__ import annotations

import shutil
import socket
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import devices
from backend_client.errors import CentralUnreachable
from backend_client.status import StatusBook
from backend_client.token_store import TokenStore
from kiosk.app.diagnostics import storage_checks as sc
from kiosk.app.diagnostics.central_checks import central_checks
from kiosk.app.diagnostics.device_checks import (
    DeviceState,
    RelayState,
    card_reader_checks,
    id_reader_checks,
    printer_checks,
    relay_checks,
    scanner_checks,
)
from kiosk.app.diagnostics.make import age
from kiosk.store import Store
from kiosk.store.integrity import inspect
from kiosk.sync.client import CentralConfig

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
H = devices.Health


def codes(checks: list) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status.value, c.code) for c in checks}


# -- card reader ------------------------------------------------------------------------------

@pytest.mark.parametrize(("health", "expected"), [
    (H.ok("watching Virtual PCD 00 00"), {"card_reader.service": ("pass", "card_reader.pcscd_ok"),
                                          "card_reader.reader": ("pass", "card_reader.ok")}),
    (H.down("PC/SC service not running"), {"card_reader.service": ("fail", "card_reader.pcscd_down")}),
    (H.down("no reader matching 'ACS'"), {"card_reader.service": ("pass", "card_reader.pcscd_ok"),
                                          "card_reader.reader": ("fail", "card_reader.no_reader")}),
    (H.down("card reader loop restarting after an error"),
     {"card_reader.service": ("pass", "card_reader.pcscd_ok"),
      "card_reader.reader": ("fail", "card_reader.down")}),
])
def test_card_reader(health: devices.Health, expected: dict) -> None:
    got = codes(card_reader_checks(DeviceState("pcsc://", health), NOW))
    got.pop("card_reader.last_tap", None)
    assert got == expected


def test_sim_reader_has_no_pcscd_check_and_shows_the_last_tap() -> None:
    tapped = NOW - timedelta(minutes=3)
    checks = card_reader_checks(DeviceState("sim://", H.ok("watching sim"), tapped), NOW)
    assert [c.id for c in checks] == ["card_reader.reader", "card_reader.last_tap"]
    assert checks[1].params["at"] == "2026-12-01T06:57:00+00:00 (3 min ago)"


# -- relay ------------------------------------------------------------------------------------

def test_relay_port_missing_says_so_and_nothing_else(tmp_path: Path) -> None:
    st = RelayState(f"modbus-rtu://{tmp_path}/ttyUSB9?unit=1", H.down("port gone"), {0: "gate"})
    assert codes(relay_checks([st])) == {"relay.port": ("fail", "relay.port_missing")}


def test_relay_silent_board_is_no_answer_without_read_back(tmp_path: Path) -> None:
    port = tmp_path / "tty"
    port.touch()
    st = RelayState(f"modbus-rtu://{port}?unit=1", H.down("relay board on x: read: no answer"),
                    {0: "gate"}, read=lambda ch: pytest.fail("read a silent board"))
    assert codes(relay_checks([st])) == {"relay.port": ("pass", "relay.port_ok"),
                                         "relay.board": ("fail", "relay.no_answer")}


def test_relay_read_back_on_is_a_warning_and_a_read_error_a_failure() -> None:
    def read(ch: int) -> bool:
        if ch == 5:
            raise devices.DeviceProtocolError("illegal address")
        return ch == 3

    st = RelayState("sim://", H.ok(), {0: "gate", 3: "locker A1", 5: "locker A2"}, read)
    assert codes(relay_checks([st, RelayState("sim://?name=b", H.ok(), {}, read)])) == {
        "relay.board": ("pass", "relay.ok"),
        "relay.channel0": ("pass", "relay.channel_off"),
        "relay.channel3": ("warn", "relay.channel_on"),
        "relay.channel5": ("fail", "relay.channel_unreadable"),
        "relay1.board": ("pass", "relay.ok"),
    }


# -- printer, scanner, ID reader --------------------------------------------------------------

@pytest.mark.parametrize(("url", "health", "expected"), [
    ("none", H.ok("not configured"), ("pass", "printer.not_configured")),
    ("sim://", H.ok(), ("pass", "printer.ok")),
    ("sim://", H.degraded("paper low"), ("warn", "printer.paper_low")),
    ("sim://", H.down("paper out"), ("fail", "printer.paper_out")),
    ("sim://", H.down("printer unplugged"), ("fail", "printer.offline")),
    ("sim://", H.degraded("last slip failed: cover open"), ("warn", "printer.last_failed")),
    ("escpos-serial:///dev/nonexistent-tty", H.ok(), ("fail", "printer.port_missing")),
])
def test_printer(url: str, health: devices.Health, expected: tuple[str, str]) -> None:
    [only] = printer_checks(DeviceState(url, health))
    assert (only.status.value, only.code) == expected


def test_scanner_and_id_reader() -> None:
    assert codes(scanner_checks(DeviceState("none", H.ok()), NOW)) == {
        "qr_scanner.status": ("pass", "qr_scanner.not_configured")}
    assert codes(scanner_checks(DeviceState("serial:///dev/nonexistent", H.ok()), NOW)) == {
        "qr_scanner.port": ("fail", "qr_scanner.port_missing")}
    assert codes(scanner_checks(DeviceState("sim://", H.down("scanner unplugged")), NOW)) == {
        "qr_scanner.status": ("fail", "qr_scanner.down")}
    assert codes(id_reader_checks(DeviceState("sim://", H.down("ID card module not answering")))) == {
        "id_reader.status": ("fail", "id_reader.silent")}
    bad_frames = H.degraded("bad frames from the ID card module")
    assert codes(id_reader_checks(DeviceState("sim://", bad_frames))) == {
        "id_reader.status": ("warn", "id_reader.silent")}


# -- storage ----------------------------------------------------------------------------------

Usage = namedtuple("Usage", "total used free")


@pytest.mark.parametrize(("free_mb", "expected"), [
    (sc.DISK_LOW_MB, ("pass", "storage.disk_ok")),
    (sc.DISK_LOW_MB - 1, ("warn", "storage.disk_low")),
    (sc.DISK_FAIL_MB, ("warn", "storage.disk_low")),
    (sc.DISK_FAIL_MB - 1, ("fail", "storage.disk_low")),
])
def test_disk_thresholds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free_mb: int,
                         expected: tuple[str, str]) -> None:
    # A full disk is a fault no real part here can produce safely: the figure is faked.
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: Usage(10**12, 0, free_mb * sc.MB))
    assert codes(sc.storage_checks(tmp_path, inspect(tmp_path)))["storage.disk"] == expected


def test_database_integrity_real_files(tmp_path: Path) -> None:
    assert not inspect(tmp_path).exists
    Store.open(tmp_path).close()
    good = inspect(tmp_path)
    assert good.ok and good.db_bytes > 0
    checks = codes(sc.storage_checks(tmp_path, good))
    assert checks["storage.integrity"] == ("pass", "storage.integrity_ok")
    assert checks["storage.size"] == ("pass", "storage.size")
    (tmp_path / "kiosk.db").write_bytes(b"this is no database at all" * 100)
    bad = inspect(tmp_path)
    assert not bad.ok and "not a database" in bad.problem
    assert codes(sc.storage_checks(tmp_path, bad))["storage.integrity"] == ("fail", "storage.corrupt")


def test_a_large_wal_is_a_warning(tmp_path: Path) -> None:
    from kiosk.store.integrity import DatabaseFacts

    facts = DatabaseFacts(tmp_path / "kiosk.db", True, "", 10, (sc.WAL_LARGE_MB + 1) * sc.MB)
    assert codes(sc.storage_checks(tmp_path, facts))["storage.size"] == ("warn", "storage.wal_large")


# -- sync -------------------------------------------------------------------------------------

def _sync(tmp_path: Path, counts: sc.StoreCounts | None, **kw: object) -> dict:
    return codes(sc.sync_checks(tmp_path, counts, datetime.now(UTC), **kw))  # type: ignore[arg-type]


def test_sync_states(tmp_path: Path) -> None:
    fresh = sc.StoreCounts(0, 3, datetime.now(UTC) - timedelta(hours=1))
    assert _sync(tmp_path, fresh)["sync.last"] == ("warn", "sync.not_enrolled")
    TokenStore(tmp_path).save("t")
    assert _sync(tmp_path, fresh)["sync.last"] == ("warn", "sync.never")
    book = StatusBook(tmp_path)
    book.success(backlog=0, members_as_of=None, clock_skew_s=0.0)
    got = _sync(tmp_path, fresh)
    assert got["sync.last"] == ("pass", "sync.ok")
    assert got["sync.members"] == ("pass", "sync.members_ok")
    book.failure(CentralUnreachable("cannot reach central"))
    assert _sync(tmp_path, fresh)["sync.last"] == ("warn", "sync.failing")


def test_sync_backlog_and_member_age_thresholds(tmp_path: Path) -> None:
    old = datetime.now(UTC) - timedelta(hours=5)
    at_limit = sc.StoreCounts(sc.BACKLOG_HIGH, 3, old)
    over = sc.StoreCounts(sc.BACKLOG_HIGH + 1, 3, old)
    assert _sync(tmp_path, at_limit)["sync.backlog"] == ("pass", "sync.backlog_ok")
    assert _sync(tmp_path, over)["sync.backlog"] == ("warn", "sync.backlog_high")
    assert _sync(tmp_path, at_limit, members_stale=timedelta(hours=6))["sync.members"] == (
        "pass", "sync.members_ok")
    assert _sync(tmp_path, at_limit, members_stale=timedelta(hours=4))["sync.members"] == (
        "warn", "sync.members_stale")
    assert _sync(tmp_path, sc.StoreCounts(0, 0, None))["sync.members"] == ("warn", "sync.no_members")


def test_age_is_coarse() -> None:
    assert [age(timedelta(seconds=s)) for s in (5, 119, 120, 7199, 7200, 2 * 86400)] == [
        "5 s", "119 s", "2 min", "119 min", "2 h", "2 d"]


# -- central (real sockets on loopback) --------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_central_fails_an_enrolled_kiosk_and_warns_one_that_is_not(tmp_path: Path) -> None:
    central = CentralConfig(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    not_enrolled = codes(central_checks(central))
    assert not_enrolled == {"central.dns": ("pass", "central.dns_ok"),
                            "central.tcp": ("warn", "central.tcp_failed")}
    TokenStore(tmp_path).save("t")
    assert codes(central_checks(central))["central.tcp"] == ("fail", "central.tcp_failed")


def test_unresolvable_host_stops_at_dns(tmp_path: Path) -> None:
    TokenStore(tmp_path).save("t")
    got = codes(central_checks(CentralConfig(tmp_path, "https://central.invalid")))
    assert got == {"central.dns": ("fail", "central.dns_failed")}


def test_a_listener_that_is_not_tls_fails_the_tls_layer(tmp_path: Path) -> None:
    TokenStore(tmp_path).save("t")
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        # Nothing answers the handshake: the client gives up after its step timeout, or
        # the listener's close ends it; either way the TLS layer is the one that fails.
        got = codes(central_checks(CentralConfig(tmp_path, f"https://127.0.0.1:{port}")))
    assert got["central.tcp"] == ("pass", "central.tcp_ok")
    assert got["central.tls"] == ("fail", "central.tls_failed")
    assert "central.auth" not in got


@pytest.mark.parametrize(("minutes_ago", "expected"), [
    (29, ("pass", "sync.ok")), (31, ("warn", "sync.stale"))])
def test_a_last_sync_older_than_the_limit_is_stale(tmp_path: Path, minutes_ago: int,
                                                   expected: tuple[str, str]) -> None:
    import json

    TokenStore(tmp_path).save("t")
    assert sc.SYNC_STALE == timedelta(minutes=30)
    at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
    (tmp_path / "sync-status.json").write_text(json.dumps({"state": "ok", "last_success_at": at}))
    assert _sync(tmp_path, sc.StoreCounts(0, 1, datetime.now(UTC)))["sync.last"] == expected
