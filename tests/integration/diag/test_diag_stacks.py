"""`kiosk diag` on real parts, healthy and with each part broken in turn, with the kiosk
running (diag asks it over its control socket) and not running (diag opens the devices):
the right status, code and hint each time, and never a traceback (run_diag checks)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from tests.fixtures.kiosk import KioskProcess, wait_for

from .conftest import DiagRig, by_id, run_diag

Breaker = Callable[[DiagRig], None]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: nothing listens there


def test_healthy_not_running(pcsc_rig: DiagRig) -> None:
    rc, report, _ = run_diag(pcsc_rig.config)
    checks = by_id(report)
    assert report["running"] is False
    assert checks["kiosk.process"]["code"] == "kiosk.not_running"
    assert checks["kiosk.process"]["status"] == "warn" and rc == 1  # only the kiosk is down
    not_passing = {i: c["code"] for i, c in checks.items() if c["status"] != "pass"}
    assert not_passing == {"kiosk.process": "kiosk.not_running"}
    assert checks["card_reader.reader"]["params"]["reader"].startswith("Virtual PCD")
    assert checks["relay.channel0"]["code"] == "relay.channel_off"
    assert checks["relay.channel3"]["params"]["role"] == "locker A1"
    for layer in ("dns", "tcp", "tls", "auth", "latency", "clock"):
        assert checks[f"central.{layer}"]["status"] == "pass"
    assert checks["sync.members"]["params"]["count"] == "1"


def test_healthy_running_asks_the_kiosk(pcsc_rig: DiagRig,
                                        running_kiosk: Callable[[], KioskProcess]) -> None:
    running_kiosk()
    rc, report, _ = run_diag(pcsc_rig.config)
    checks = by_id(report)
    assert rc == 0, [c for c in report["checks"] if c["status"] != "pass"]
    assert report["running"] is True
    assert checks["kiosk.process"]["code"] == "kiosk.running"
    assert checks["relay.channel0"]["code"] == "relay.channel_off"
    assert checks["card_reader.service"]["code"] == "card_reader.pcscd_ok"


def _stop_pcscd(rig: DiagRig) -> None:
    assert rig.pcscd is not None
    rig.pcscd.kill()


def _reader_gone(rig: DiagRig) -> None:
    rig.write_config(card_reader="pcsc://?reader=No%20Such%20Reader")


def _pty_closed(rig: DiagRig) -> None:
    rig.board.stop()
    rig.pair.stop()


def _board_silent(rig: DiagRig) -> None:
    rig.board.stop()


def _printer_offline(rig: DiagRig) -> None:
    rig.write_config(printer=f"escpos-net://127.0.0.1:{closed_port()}?timeout=0.5")


def _central_down(rig: DiagRig) -> None:
    rig.kiosk.proxy.close()


def _database_corrupted(rig: DiagRig) -> None:
    db = rig.kiosk.data_dir / "kiosk.db"
    rig.kiosk.close()
    with db.open("r+b") as f:  # the header survives, the pages after it do not
        f.seek(100)
        f.write(b"\xde\xad\xbe\xef" * 4096)


# fault -> (its breaker, the failing check, its code, a word its hint must have)
FAULTS: dict[str, tuple[Breaker, str, str, str]] = {
    "pcscd stopped": (_stop_pcscd, "card_reader.service", "card_reader.pcscd_down", "pcscd"),
    "reader gone": (_reader_gone, "card_reader.reader", "card_reader.no_reader", "USB"),
    "relay pty closed": (_pty_closed, "relay.port", "relay.port_missing", "cable"),
    "board silent": (_board_silent, "relay.board", "relay.no_answer", "power"),
    "printer offline": (_printer_offline, "printer.status", "printer.offline", "power"),
    "central down": (_central_down, "central.tcp", "central.tcp_failed", "central runs"),
    "database corrupted": (_database_corrupted, "storage.integrity", "storage.corrupt",
                           "move"),
}
PCSC_FAULTS = {"pcscd stopped", "reader gone"}
# Faults set up in the config: a running kiosk reads its config at start.
AT_START = {"reader gone", "printer offline"}


def _assert_fault(report: dict, rc: int, fault: str) -> None:
    _, check_id, code, hint_word = FAULTS[fault]
    checks = by_id(report)
    assert check_id in checks, sorted(checks)
    assert checks[check_id]["status"] == "fail"
    assert checks[check_id]["code"] == code
    assert hint_word in checks[check_id]["hint"]
    assert rc == 2 and report["status"] == "fail"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_not_running(diag_rig: DiagRig, fault: str,
                                request: pytest.FixtureRequest) -> None:
    if fault in PCSC_FAULTS:
        request.getfixturevalue("pcsc_rig")
    FAULTS[fault][0](diag_rig)
    rc, report, _ = run_diag(diag_rig.config)
    assert report["running"] is False
    _assert_fault(report, rc, fault)
    # the other groups were still looked at
    assert {"config", "storage", "sync", "versions"} <= {c["group"] for c in report["checks"]}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_running(diag_rig: DiagRig, running_kiosk: Callable[[], KioskProcess],
                            fault: str, request: pytest.FixtureRequest) -> None:
    if fault in PCSC_FAULTS:
        request.getfixturevalue("pcsc_rig")
    breaker, check_id, code, _ = FAULTS[fault]
    if fault in AT_START:
        breaker(diag_rig)
        running_kiosk()
    else:
        running_kiosk()
        breaker(diag_rig)

    def diagnosed() -> tuple[int, dict] | None:
        rc, report, _ = run_diag(diag_rig.config)
        found = by_id(report).get(check_id, {})
        return (rc, report) if found.get("code") == code else None

    # The kiosk notices a device going away on its own schedule (reconnect backoff).
    rc, report = wait_for(diagnosed, 60, f"diag to report {code}", poll=0.5)
    assert report["running"] is True
    assert by_id(report)["kiosk.process"]["code"] == "kiosk.running"
    _assert_fault(report, rc, fault)


def test_pulse_and_print_through_the_running_kiosk(diag_rig: DiagRig,
                                                   running_kiosk: Callable[[], KioskProcess]
                                                   ) -> None:
    kp = running_kiosk()
    before = len(diag_rig.board.changes_of(0))
    rc, report, _ = run_diag(diag_rig.config, "--pulse", "--print")
    checks = by_id(report)
    assert checks["action.pulse"]["code"] == "action.pulse_ok", checks["action.pulse"]
    assert checks["action.print"]["code"] == "action.print_ok", checks["action.print"]
    changes = diag_rig.board.changes_of(0)[before:]
    assert [c.on for c in changes][:2] == [True, False]  # the gate relay closed, then opened
    assert any(diag_rig.slips.iterdir())  # the sim printer wrote the test slip
    kp.wait_line("test pulse on channel 0 asked by kiosk diag")
    # a technician's pulse is not a member's entry
    with diag_rig.kiosk.store.read() as tx:
        assert tx.events() == []
    assert rc == 0


def test_pulse_without_a_running_kiosk_opens_the_board(diag_rig: DiagRig) -> None:
    rc, report, _ = run_diag(diag_rig.config, "--pulse")
    assert by_id(report)["action.pulse"]["code"] == "action.pulse_ok"
    ons = [c.on for c in diag_rig.board.changes_of(0)]
    assert ons.count(True) == 1 and ons[ons.index(True) + 1] is False  # closing switches off


def test_pulse_on_a_silent_board_is_a_failed_check(diag_rig: DiagRig) -> None:
    diag_rig.board.stop()
    rc, report, _ = run_diag(diag_rig.config, "--pulse")
    pulse = by_id(report)["action.pulse"]
    assert pulse["status"] == "fail" and pulse["code"] == "action.pulse_failed"
    assert rc == 2


def test_a_kiosk_that_does_not_answer_is_reported_and_its_ports_left_alone(
        diag_rig: DiagRig, running_kiosk: Callable[[], KioskProcess]) -> None:
    import signal

    kp = running_kiosk()
    kp.signal(signal.SIGSTOP)  # alive and holding its ports, but answering nothing
    try:
        rc, report, _ = run_diag(diag_rig.config, timeout=120)
    finally:
        kp.signal(signal.SIGCONT)
    checks = by_id(report)
    assert checks["kiosk.process"]["code"] == "kiosk.unresponsive"
    assert not any(c.startswith(("relay.", "card_reader.")) for c in checks)
    assert "storage.integrity" in checks and rc == 2


def test_text_output_says_what_failed_and_what_to_do(diag_rig: DiagRig) -> None:
    import subprocess

    from tests.fixtures.kiosk import KIOSK_BIN, REPO

    _board_silent(diag_rig)
    proc = subprocess.run([*KIOSK_BIN, "diag", "--config", str(diag_rig.config)],
                          capture_output=True, text=True, timeout=90, cwd=REPO)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    i = next(n for n, ln in enumerate(lines) if "[FAIL] relay board does not answer" in ln)
    assert "power" in lines[i + 1] and lines[i + 1].strip().startswith("->")
    assert lines[-1].startswith("RESULT: FAIL")




def test_a_token_central_refuses_is_an_auth_failure(diag_rig: DiagRig) -> None:
    from backend_client.token_store import TokenStore

    TokenStore(diag_rig.kiosk.data_dir).save("kt_not-a-token-central-knows")
    rc, report, _ = run_diag(diag_rig.config)
    checks = by_id(report)
    assert checks["central.tcp"]["status"] == "pass"
    assert (checks["central.auth"]["status"], checks["central.auth"]["code"]) == (
        "fail", "central.auth_refused")
    assert "central.latency" not in checks and rc == 2
