"""A kiosk for diag tests on real parts: pcscd with the vpcd reader, a pty pair with
pymodbus's RTU server as the relay board, the sim printer (escpos-net:// to a closed
loopback port for an offline one), a real central on loopback behind a fault proxy (enrolled, synced once)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.kiosk import KIOSK_BIN, REPO, KioskProcess
from tests.fixtures.pcsc import READERS, PcscDaemon
from tests.fixtures.serial_pty import ModbusBoard, SocatPair, modbus_url
from tests.fixtures.sync import KioskRig, import_members, make_kiosk, sync_central

__all__ = ["make_kiosk", "sync_central"]  # fixtures used here


def run_diag(config: Path, *extra: str, timeout: float = 90) -> tuple[int, dict[str, Any], str]:
    """`kiosk diag --json`: (exit status, the report, stderr)."""
    proc = subprocess.run([*KIOSK_BIN, "diag", "--json", "--config", str(config), *extra],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"diag printed no JSON: {proc.stdout!r} {proc.stderr!r}") from None
    return proc.returncode, report, proc.stderr


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["checks"]}


@dataclass
class DiagRig:
    kiosk: KioskRig
    pair: SocatPair
    board: ModbusBoard
    slips: Path
    pcscd: PcscDaemon | None = None  # set by pcsc_rig: the card reader is then pcsc://

    @property
    def config(self) -> Path:
        return self.kiosk.config_path

    def write_config(self, *, card_reader: str | None = None, printer: str | None = None) -> None:
        pcsc = f"pcsc://?reader={READERS[0].replace(' ', '%20')}"
        reader = card_reader or (pcsc if self.pcscd else "sim://")
        self.kiosk.config_path.write_text(
            f'[kiosk]\nname = "Diag lobby"\ndata_dir = "{self.kiosk.data_dir}"\nfacility = "gym"\n'
            f'[devices]\ncard_reader = "{reader}"\n'
            # 1 s, not the fixture's 0.3 s: a loaded test machine must not make a healthy
            # board look silent
            f'relay = "{modbus_url(self.pair, timeout=1.0)}"\n'
            f'printer = "{printer or f"sim://?name=diag&out={self.slips}"}"\n'
            f'[lockers]\nchannels = [3]\nlabels = ["A1"]\n'
            f'[central]\nurl = "{self.kiosk.proxy.url}"\nconnect_timeout_s = 2.0\n',
            encoding="utf-8")


@pytest.fixture
def diag_rig(make_kiosk: Callable[..., KioskRig], socat_pair: SocatPair,
             modbus_board: ModbusBoard, tmp_path: Path) -> Iterator[DiagRig]:
    """Every part real but the card reader (sim://): the PC/SC stack is one per machine and
    shared with other test runs, so only the tests about it take it (pcsc_rig)."""
    kiosk = make_kiosk()
    import_members(kiosk.srv, [{"member_no": "M1", "name": "张小明", "card_uid": "04A1B2C3",
                                "facilities": "gym", "valid_from": "2020-01-01",
                                "valid_until": "2099-12-31", "status": "active",
                                "visits_remaining": ""}])
    rig = DiagRig(kiosk, socat_pair, modbus_board, tmp_path / "slips")
    rig.write_config()
    synced = kiosk.kiosk_cli("sync", "--once")
    assert synced.returncode == 0, synced.stderr
    yield rig


@pytest.fixture
def pcsc_rig(diag_rig: DiagRig, pcscd_running: PcscDaemon) -> DiagRig:
    diag_rig.pcscd = pcscd_running
    diag_rig.write_config()
    return diag_rig


@pytest.fixture
def running_kiosk(diag_rig: DiagRig, kiosk_process: Callable[..., KioskProcess]
                  ) -> Callable[[], KioskProcess]:
    def start() -> KioskProcess:
        kp = kiosk_process(diag_rig.config)
        kp.wait_line("ready", timeout=60)
        return kp

    return start
