"""Kiosk.diagnose(), remote_actions and the support bundle in one process, sim:// devices:
live states with no port opened twice, the last tap, a pulse that is no entry, and a bundle
with no ID number, name or token in it."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend_client.token_store import TokenStore
from devices import simhub
from kiosk import config
from kiosk.app.diagnostics.bundle import scrub
from kiosk.app.diagnostics.control import ask
from kiosk.bootstrap import build
from kiosk.store import Store
from lobby_core.diagnostics import Status
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes, wait_for

pytestmark = pytest.mark.integration

TOKEN = "kt_secret-token-value-0123456789abcdef"
ID_NUMBER = "11010519491231002X"
NAME = "欧阳娜娜"


def _cfg(tmp_path: Path, name: str, **devices: str) -> config.Config:
    return config.from_dict({
        "kiosk": {"data_dir": str(tmp_path / "data"), "facility": "gym", "name": "Diag lobby"},
        "devices": {"card_reader": f"sim://?name={name}", "relay": f"sim://?name={name}",
                    "printer": f"sim://?name={name}&out={tmp_path / 'slips'}",
                    "qr_scanner": "none", "id_reader": "none", **devices},
        "central": {"url": "http://user:hunter2@127.0.0.1:9/"},
    }, path=str(tmp_path / "kiosk.toml"))


def _seed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data")
    with store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes(
            [member_row("M1", "04A1B2C3", name=NAME)])).members, datetime.now(UTC))
    store.close()
    TokenStore(tmp_path / "data").save(TOKEN)


def test_diagnose_is_live_and_sees_the_last_tap(tmp_path: Path) -> None:
    _seed(tmp_path)
    kiosk = build(_cfg(tmp_path, "kd-live"))
    kiosk.start()
    try:
        wait_for(lambda: kiosk.reader.health().is_ok, 10, "the reader to watch")
        before = {c.id: c for c in kiosk.diagnose().checks}
        assert before["card_reader.last_tap"].code == "card_reader.no_tap"
        assert simhub.get("card_reader", "kd-live").tap("04A1B2C3")
        wait_for(lambda: kiosk.diagnostics.parts.activity.last_tap, 10, "the tap")  # type: ignore[union-attr]
        report = kiosk.diagnose()
    finally:
        kiosk.stop()
    checks = {c.id: c for c in report.checks}
    assert report.running is True
    assert checks["kiosk.process"].params["pid"] == str(os.getpid())
    assert checks["card_reader.last_tap"].code == "card_reader.last_tap"
    assert checks["relay.channel0"].code == "relay.channel_off"
    assert checks["sync.members"].params["count"] == "1"
    assert checks["sync.backlog"].params["count"] == "1"  # the tap, not sent anywhere
    # a central that is not there, with a token: that is a failure of its own
    assert checks["central.tcp"].status == "fail"


def test_a_stuck_on_channel_is_a_warning(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "kd-stuck"))
    try:
        kiosk.gate_relay.set(0, True)  # as a board that kept its state would read back
        checks = {c.id: c for c in kiosk.diagnose().checks}
    finally:
        kiosk.stop()
    assert checks["relay.channel0"].code == "relay.channel_on"
    assert checks["relay.channel0"].status == "warn"


def test_remote_pulse_is_logged_with_who_asked_and_is_no_entry(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _seed(tmp_path)
    kiosk = build(_cfg(tmp_path, "kd-pulse"))
    relay = simhub.get("relay", "kd-pulse")
    try:
        with caplog.at_level(logging.INFO):
            text = kiosk.remote_actions.pulse_gate("console: tech-anna")  # type: ignore[union-attr]
        with kiosk.store.read() as tx:
            events = tx.events()
    finally:
        kiosk.stop()
    assert (text.status, text.summary) == (Status.PASS, "gate relay channel 0 pulsed for 400 ms")
    assert relay is not None
    assert events == []
    assert "asked by console: tech-anna" in caplog.text


def test_print_test_through_remote_actions(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "kd-print"))
    try:
        printed = kiosk.remote_actions.print_test("tech")  # type: ignore[union-attr]
        assert (printed.status, printed.summary) == (Status.PASS, "test slip printed")
    finally:
        kiosk.stop()
    [text] = [p.read_text() for p in (tmp_path / "slips").glob("*.txt")]
    assert "TEST SLIP" in text and "requested by tech" in text and "Diag lobby" in text


def test_print_test_without_a_printer_says_so(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "kd-noprint", printer="none"))
    try:
        text = kiosk.remote_actions.print_test("tech")  # type: ignore[union-attr]
    finally:
        kiosk.stop()
    assert (text.status, text.summary) == (Status.FAIL, "test slip failed: no printer configured")


def test_control_socket_lives_with_the_kiosk(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "kd-sock"))
    sock = tmp_path / "data" / "kiosk.control.sock"
    kiosk.start()
    try:
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600
        assert ask(tmp_path / "data", "status")["report"]["running"] is True
    finally:
        kiosk.stop()
    assert not sock.exists()


def test_bundle_has_report_logs_and_config_but_no_personal_data_or_secrets(
        tmp_path: Path) -> None:
    _seed(tmp_path)
    kiosk = build(_cfg(tmp_path, "kd-bundle"))
    kiosk.start()
    try:
        assert simhub.get("card_reader", "kd-bundle").tap("04A1B2C3")
        wait_for(lambda: kiosk.diagnostics.parts.activity.last_tap, 10, "the tap")  # type: ignore[union-attr]
        # A library we do not control logs what it should not: the bundle still hides it.
        logging.getLogger("some.library").warning(
            "request failed for %s %s token=%s Authorization: Bearer %s phone 13812345678",
            NAME, ID_NUMBER, TOKEN, TOKEN)
        data = kiosk.remote_actions.bundle()  # type: ignore[union-attr]
    finally:
        kiosk.stop()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        files = {m.name.rsplit("/", 1)[-1]: tar.extractfile(m).read().decode()  # type: ignore[union-attr]
                 for m in tar.getmembers()}
    assert set(files) == {"diag.json", "config.json", "recent.log"}
    assert json.loads(files["diag.json"])["running"] is True
    assert "some.library" in files["recent.log"]  # the logs are there...
    everything = "\n".join(files.values())
    for secret in (TOKEN, ID_NUMBER, "13812345678", "hunter2", "04A1B2C3"):
        assert secret not in everything, secret  # ...without what must not leave
    # a name can only be scrubbed where we know it: no log of ours writes one
    assert NAME not in files["diag.json"] + files["config.json"]
    assert json.loads(files["config.json"])["central"]["url"] == "http://127.0.0.1:9"


@pytest.mark.parametrize(("text", "gone"), [
    ("id 110105194912310021 seen", "110105194912310021"),
    ("old id 110105491231002 seen", "110105491231002"),
    ("mobile 13912345678.", "13912345678"),
    ("Authorization: Bearer abc.def", "abc.def"),
    ("url?pin=1234&x=1", "1234"),
    ("cannot reach http://user:hunter2@central:9/api", "hunter2"),
])
def test_scrub(text: str, gone: str) -> None:
    assert gone not in scrub(text)
    assert "[redacted]" in scrub(text)


def test_scrub_leaves_ordinary_numbers() -> None:
    line = "event 42 at 2026-12-01T07:00:00 took 1234 ms, backlog 17"
    assert scrub(line) == line


def test_without_a_running_kiosk_the_last_tap_comes_from_the_store(tmp_path: Path) -> None:
    from kiosk.app.diagnostics.collect import diagnose
    from kiosk.app.diagnostics.make import WARN, check
    from kiosk.app.diagnostics.standalone import probe_devices
    from kiosk.store.integrity import read_counts

    _seed(tmp_path)
    cfg = _cfg(tmp_path, "kd-after")
    assert read_counts(tmp_path / "data").last_tap_at is None  # type: ignore[union-attr]
    kiosk = build(cfg)
    kiosk.start()
    try:
        assert simhub.get("card_reader", "kd-after").tap("04A1B2C3")
        wait_for(lambda: kiosk.diagnostics.parts.activity.last_tap, 10, "the tap")  # type: ignore[union-attr]
    finally:
        kiosk.stop()
    figures = read_counts(tmp_path / "data")
    assert figures is not None and figures.last_scan_at is None
    assert figures.last_tap_at is not None and figures.last_tap_at.tzinfo is not None
    assert (figures.backlog, figures.members) == (1, 1)
    report = diagnose(cfg, process=check("kiosk.process", WARN, "kiosk.not_running"),
                      states=probe_devices(cfg), running=False)
    last = {c.id: c for c in report.checks}["card_reader.last_tap"]
    assert last.code == "card_reader.last_tap"
    assert last.params["at"].startswith(figures.last_tap_at.isoformat(timespec="seconds"))


def test_the_heartbeat_can_leave_central_out(tmp_path: Path) -> None:
    kiosk = build(_cfg(tmp_path, "kd-hb"))
    try:
        with_central = {c.group for c in kiosk.diagnose().checks}
        without = {c.group for c in kiosk.diagnose(central=False).checks}
    finally:
        kiosk.stop()
    assert "central" in with_central and with_central - without == {"central"}


def test_a_check_or_driver_that_crashes_is_one_failed_check_not_a_dead_diag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Bugs no real part produces: a check group and a driver raising what they should not.
    import devices as devices_pkg
    from kiosk.app.diagnostics import collect
    from kiosk.app.diagnostics.make import WARN, check
    from kiosk.app.diagnostics.standalone import probe_devices

    def broken() -> list:
        raise ZeroDivisionError

    def broken_printer(url: str) -> None:
        raise RuntimeError("driver bug")

    monkeypatch.setattr(collect, "version_checks", broken)
    monkeypatch.setattr(devices_pkg, "open_printer", broken_printer)
    cfg = _cfg(tmp_path, "kd-bug")
    report = collect.diagnose(cfg, process=check("kiosk.process", WARN, "kiosk.not_running"),
                              states=probe_devices(cfg), running=False)
    checks = {c.id: c for c in report.checks}
    assert checks["versions.internal"].code == "diag.internal"
    assert checks["versions.internal"].params == {"what": "versions", "error": "ZeroDivisionError"}
    assert checks["printer.status"].code == "printer.offline"
    assert "RuntimeError" in checks["printer.status"].summary
    assert checks["relay.board"].code == "relay.ok"  # the rest was still looked at
