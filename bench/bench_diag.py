"""`kiosk diag` wall time with every part healthy: kiosk not running (diag opens the devices
itself) and running (diag asks it over the control socket).

Parts: a socat pty pair with pymodbus's RTU server as the relay board, sim:// card reader and
printer, a real central on loopback (uvicorn, SQLite) the kiosk is enrolled with and synced
from. Each run is `python -m kiosk.cli diag --json` in a fresh interpreter, as a technician
types it. Floor: the same interpreter running `kiosk --version` (start-up and the CLI's own
imports), measured in the same rounds.

Target (issue 12): every run <= 5 s, both ways. Ratios to the floor are printed as well.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.faultproxy import FaultProxy
from tests.fixtures.central import start_central_server
from tests.fixtures.serial_pty import ModbusBoard, SocatPair, modbus_url
from tests.fixtures.sync import KioskRig, import_members

ROUNDS = 3
TARGET_S = 5.0
KIOSK = [sys.executable, "-m", "kiosk.cli"]


CPU: list[tuple[str, float]] = []  # (what, CPU seconds of the diag process)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return time.perf_counter() - t0, proc


def _diag(config: Path, running: bool) -> float:
    cpu0 = _cpu()
    dt, proc = _timed([*KIOSK, "diag", "--json", "--config", str(config)])
    CPU.append(("running" if running else "stopped", _cpu() - cpu0))
    report = json.loads(proc.stdout)
    bad = [c["code"] for c in report["checks"] if c["status"] != "pass"]
    expected = [] if running else ["kiosk.not_running"]
    assert report["running"] is running and bad == expected, (bad, proc.stderr[-500:])
    return dt


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="bench-diag-"))
    srv = start_central_server(f"sqlite:///{root / 'central.db'}", root / "central")
    port = int(srv.base.rsplit(":", 1)[1])
    proxy = FaultProxy(("127.0.0.1", port))
    pair = SocatPair(root)
    pair.start()
    board = ModbusBoard(pair.board_end)
    board.start()
    kiosk_proc: subprocess.Popen[str] | None = None
    try:
        rig = KioskRig(srv, proxy, root / "kiosk-rig")
        rig.root.mkdir()
        rig.enroll()
        import_members(srv, [{"member_no": "B1", "card_uid": "04B1B2C3"}])
        config = rig.config_path
        config.write_text(
            f'[kiosk]\nname = "Bench lobby"\ndata_dir = "{rig.data_dir}"\nfacility = "gym"\n'
            f'[devices]\ncard_reader = "sim://"\nrelay = "{modbus_url(pair, timeout=1.0)}"\n'
            f'printer = "sim://?out={root / "slips"}"\n[central]\nurl = "{proxy.url}"\n')
        assert rig.kiosk_cli("sync", "--once").returncode == 0
        floor, stopped, running = [], [], []
        for _ in range(ROUNDS):
            floor.append(_timed([*KIOSK, "--version"])[0])
            stopped.append(_diag(config, running=False))
        kiosk_proc = subprocess.Popen([*KIOSK, "run", "--headless", "--config", str(config)],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert kiosk_proc.stdout is not None
        deadline = time.monotonic() + 60
        for line in kiosk_proc.stdout:
            if "ready" in line or time.monotonic() > deadline:
                break
        for _ in range(ROUNDS):
            running.append(_diag(config, running=True))
    finally:
        if kiosk_proc is not None:
            kiosk_proc.terminate()
            kiosk_proc.wait(20)
        board.stop()
        pair.stop()
        proxy.close()
        srv.stop()
    fl = statistics.median(floor)
    worst = max(stopped + running)
    print(f"floor (kiosk --version): median {fl:.2f} s")
    for name, runs in (("diag, kiosk not running", stopped), ("diag, kiosk running", running)):
        med = statistics.median(runs)
        print(f"{name}: median {med:.2f} s, max {max(runs):.2f} s, "
              f"{med / fl:.1f}x floor (target: every run <= {TARGET_S:.0f} s)")
    for what in ("stopped", "running"):
        cpu = statistics.median(c for w, c in CPU if w == what)
        print(f"  CPU time of diag, kiosk {'not ' if what == 'stopped' else ''}running: "
              f"median {cpu:.2f} s (unlike wall time, this does not grow with the load of a shared machine)")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = worst <= TARGET_S
    print(f"bench_diag: {'met' if ok else 'MISSED'} (worst {worst:.2f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
