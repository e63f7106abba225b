"""bootstrap.build's Kiosk: every device in health(), optional ones failing softly, the
scanner wired to the PassEntrance, sync started and stopped by the Kiosk. sim:// devices."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices import simhub
from kiosk import config
from kiosk.app import PassResult
from kiosk.bootstrap import Kiosk, build
from kiosk.domain.passes import PassReason
from kiosk.entrance import EntranceResult
from kiosk.store import Store
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes, wait_for

pytestmark = pytest.mark.integration


def _cfg(tmp_path: Path, name: str, *, printer: str = "none", qr_scanner: str = "none",
         id_reader: str = "none") -> config.Config:
    return config.from_dict({
        "kiosk": {"data_dir": str(tmp_path / "data"), "facility": "gym"},
        "devices": {"card_reader": f"sim://?name={name}", "relay": f"sim://?name={name}",
                    "printer": printer, "qr_scanner": qr_scanner, "id_reader": id_reader},
    })


def _seed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data")
    with store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row("M1", "04A1B2C3")])).members,
                          datetime.now(UTC))
    store.close()


def _sync_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("sync-")}


def test_unconfigured_optional_devices_are_reported_ok(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "k-none"))
    try:
        health = kiosk.health()
    finally:
        kiosk.stop()
    assert set(health) == {"card_reader", "relay", "printer", "qr_scanner", "id_reader"}
    for name in ("printer", "qr_scanner", "id_reader"):
        assert (health[name].is_ok, health[name].reason) == (True, "not configured")


def test_optional_devices_that_fail_are_down_with_the_reason_not_a_crash(tmp_path: Path) -> None:
    _seed(tmp_path)
    kiosk = build(_cfg(tmp_path, "k-soft", printer="sim://?name=k-soft&bogus=1",
                       qr_scanner="sim://?name=k-soft&fail=absent",
                       id_reader="sim://?name=k-soft&fail=absent"))
    got: list[EntranceResult] = []
    kiosk.member_entrance.subscribe(got.append)
    try:
        kiosk.start()
        health = kiosk.health()
        assert not health["printer"].is_ok and "unknown parameter" in health["printer"].reason
        assert kiosk.printer.device is None and kiosk.visitor_desk.printer is None
        wait_for(lambda: "not found" in kiosk.health()["qr_scanner"].reason, 5, "the scanner's state")
        assert not kiosk.health()["qr_scanner"].is_ok
        wait_for(lambda: not kiosk.health()["id_reader"].is_ok, 5, "the ID reader's state")
        # The turnstile works as before.
        wait_for(lambda: kiosk.reader.health().is_ok, 5, "the reader watching")
        assert simhub.get("card_reader", "k-soft").tap("04A1B2C3")
        wait_for(lambda: got, 5, "the tap's result")
        assert got[0].granted
        # The sync heartbeat reports the same devices.
        assert kiosk.sync.device_health is not None
        reported = {d["name"]: d["state"] for d in kiosk.sync.device_health()}
        assert reported == {"card_reader": "ok", "relay": "ok", "printer": "down",
                            "qr_scanner": "down", "id_reader": "down"}
    finally:
        kiosk.stop()


def test_scans_reach_the_pass_entrance_and_never_stop_the_scanner(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "k-scan", printer="sim://?name=k-scan",
                       qr_scanner="sim://?name=k-scan"))
    got: list[PassResult] = []
    kiosk.pass_entrance.subscribe(lambda r: 1 / 0)  # a broken screen
    kiosk.pass_entrance.subscribe(got.append)
    try:
        kiosk.start()
        wait_for(lambda: kiosk.health()["qr_scanner"].is_ok, 5, "the scanner watching")
        scanner = simhub.get("scanner", "k-scan")
        assert scanner.scan("V1:not-a-pass")
        wait_for(lambda: got, 5, "the first scan's result")
        assert scanner.scan("{\"not\": \"a pass either\"}")
        wait_for(lambda: len(got) == 2, 5, "the second scan's result")
        assert [r.reason for r in got] == [PassReason.GARBAGE, PassReason.GARBAGE]  # not passes
        assert kiosk.health()["qr_scanner"].is_ok and kiosk.health()["printer"].is_ok
    finally:
        kiosk.stop()


def test_sync_runs_from_start_to_stop(tmp_path: Path) -> None:
    assert not _sync_threads()
    kiosk: Kiosk = build(_cfg(tmp_path, "k-sync"))
    try:
        assert not _sync_threads()  # built, not started
        kiosk.start()
        assert _sync_threads() == {"sync-cycle", "sync-poll"}
    finally:
        kiosk.stop()
    assert not _sync_threads()
    kiosk.stop()  # twice is fine


def test_id_cards_reach_the_visitor_desk_and_are_never_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    kiosk = build(_cfg(tmp_path, "k-id", id_reader="sim://?name=k-id"))
    got: list[object] = []
    real = kiosk.visitor_desk.handle_id_card
    kiosk.visitor_desk.handle_id_card = lambda card: (got.append(card), real(card))  # type: ignore[method-assign]
    caplog.set_level("DEBUG")
    try:
        kiosk.start()
        wait_for(lambda: kiosk.health()["id_reader"].is_ok, 5, "the ID reader watching")
        assert simhub.get("id_reader", "k-id").present("11010519491231002X", "张小明")
        wait_for(lambda: got, 5, "the card at the visitor desk")
    finally:
        kiosk.stop()
    assert [getattr(c, "id_number", None) for c in got] == ["11010519491231002X"]
    assert "11010519491231002X" not in caplog.text and "张小明" not in caplog.text
