"""Sync benchmarks against a real central (uvicorn on loopback, SQLite) and real kiosk processes.

1. Full sync of 100,000 members by `kiosk sync --once` (a fresh kiosk): wall time <= 15 s,
   peak RSS of that process <= 150 MB (ru_maxrss from wait4). Floor: the same pages fetched
   and JSON-decoded by a bare requests loop, no store.
2. Draining 10,000 queued access events by `kiosk sync --once`: <= 10 s. Floor: the same
   events POSTed in batches of 500 by a bare requests loop.
3. Idle sync worker: `kiosk run --headless` (sim:// devices, enrolled, synced) uses <= 1 % of
   one core over 10 s of idling (utime + stime from /proc).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

MEMBERS = 100_000
EVENTS = 10_000
FULL_SYNC_S = 15.0
RSS_MB = 150.0
DRAIN_S = 10.0
IDLE_CPU = 0.01
IDLE_WINDOW_S = 10.0
KIOSK = [sys.executable, "-m", "kiosk.cli"]


def _members_csv(n: int) -> bytes:
    lines = ["member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining"]
    lines += [f"M{i:06d},张小明{i % 100},{0x04000000 + i:08X},gym|pool,2020-01-01,2099-12-31,active,"
              f"{'' if i % 3 else i % 20}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


# Linux carries the pre-exec high-water mark of a forked child into ru_maxrss: forked from this
# bench (which holds central and 100k members) the kiosk would be charged for our memory. A
# small launcher forks it instead and reports the real child's ru_maxrss (KiB) on stdout.
_LAUNCHER = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=2); "
             "_, st, ru = os.wait4(p.pid, 0); print(ru.ru_maxrss); "
             "sys.exit(os.waitstatus_to_exitcode(st))")


def _run_measured(cmd: list[str]) -> tuple[int, float, float, str]:
    """(exit status, wall s, peak RSS MB, stderr) of one child process."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss_kib = int(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else 0
    return r.returncode, wall, rss_kib / 1024, r.stderr


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    from central.services import kiosks, members
    from kiosk.store import Event, PulseState
    from tests.fixtures.central import start_central_server

    root = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    srv = start_central_server(f"sqlite:///{root / 'central.db'}", root / "central")
    ok = True
    try:
        t = time.perf_counter()
        members.import_csv(srv.central, _members_csv(MEMBERS))
        print(f"setup: {MEMBERS} members imported at central in {time.perf_counter() - t:.1f} s")
        data = root / "kiosk"
        cfg = root / "kiosk.toml"
        cfg.write_text(f'[kiosk]\ndata_dir = "{data}"\n[devices]\ncard_reader = "sim://"\n'
                       f'relay = "sim://"\n[central]\nurl = "{srv.base}"\n')
        _, code = kiosks.create_kiosk(srv.central, "bench")
        subprocess.run([*KIOSK, "enroll", srv.base, code, "--config", str(cfg)], check=True,
                       capture_output=True)
        token = (data / "central_token").read_text()
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"

        # 1. full sync ------------------------------------------------------------------
        t = time.perf_counter()
        after, n = 0, 0
        while True:
            page = http.get(srv.url("/api/v1/members"), params={"after": after, "limit": 2000}).json()
            n += len(page["items"])
            after = page["next_cursor"]
            if not page["has_more"]:
                break
        floor = time.perf_counter() - t
        rc, wall, rss, err = _run_measured([*KIOSK, "sync", "--once", "--config", str(cfg)])
        with _Opened(data) as store, store.read() as tx:
            got = tx.member_count()
        good = rc == 0 and got == MEMBERS and wall <= FULL_SYNC_S and rss <= RSS_MB
        ok &= good
        print(f"full sync {MEMBERS} members: {wall:.2f} s (target <= {FULL_SYNC_S} s), peak RSS "
              f"{rss:.0f} MB (<= {RSS_MB:.0f}); floor (bare page fetch of {n}) {floor:.2f} s, "
              f"ratio {wall / floor:.2f}x  {'OK' if good else 'FAIL ' + err[-300:]}")

        # 2. drain 10,000 events ----------------------------------------------------------
        now = datetime.now(UTC)
        with _Opened(data) as store, store.write() as tx:
            for i in range(EVENTS):
                tx.insert_event(Event(uuid=str(uuid.uuid4()), at=now, facility="gym",
                                      direction="entry", card_uid=f"{0x04000000 + i:08X}",
                                      member_no=f"M{i:06d}", granted=True, reason=None,
                                      consumed_visit=False, visits_left=None,
                                      pulse_state=PulseState.CONFIRMED))
        bare = [{"event_id": str(uuid.uuid4()), "occurred_at": now.isoformat(),
                 "kind": "member_entry", "facility": "gym", "member_no": f"M{i:06d}",
                 "outcome": "granted"} for i in range(EVENTS)]
        t = time.perf_counter()
        for i in range(0, EVENTS, 500):
            http.post(srv.url("/api/v1/events"), json={"events": bare[i:i + 500]}).raise_for_status()
        floor = time.perf_counter() - t
        rc, wall, rss, err = _run_measured([*KIOSK, "sync", "--once", "--config", str(cfg)])
        with _Opened(data) as store, store.read() as tx:
            left = len(tx.outbox(10))
        good = rc == 0 and left == 0 and wall <= DRAIN_S
        ok &= good
        print(f"drain {EVENTS} events: {wall:.2f} s (target <= {DRAIN_S} s), peak RSS {rss:.0f} MB;"
              f" floor (bare POSTs) {floor:.2f} s, ratio {wall / floor:.2f}x  "
              f"{'OK' if good else 'FAIL ' + err[-300:]}")

        # 3. idle worker CPU --------------------------------------------------------------
        proc = subprocess.Popen([*KIOSK, "run", "--headless", "--config", str(cfg)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            status_file = data / "sync-status.json"
            start = status_file.stat().st_mtime if status_file.exists() else 0
            while time.monotonic() < deadline:  # first cycle done by the running kiosk
                if status_file.exists() and status_file.stat().st_mtime > start:
                    break
                time.sleep(0.1)
            time.sleep(1.0)  # past start-up work
            c0, t0 = _cpu_s(proc.pid), time.monotonic()
            time.sleep(IDLE_WINDOW_S)
            share = (_cpu_s(proc.pid) - c0) / (time.monotonic() - t0)
        finally:
            proc.terminate()
            proc.wait(30)
        good = share <= IDLE_CPU
        ok &= good
        print(f"idle kiosk run (sync worker on, long-polling): {share * 100:.2f} % of one core over "
              f"{IDLE_WINDOW_S:.0f} s (target <= {IDLE_CPU * 100:.0f} %)  {'OK' if good else 'FAIL'}")
    finally:
        srv.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


class _Opened:
    """`with _Opened(dir) as store:` — a Store closed on exit."""

    def __init__(self, data: Path) -> None:
        from kiosk.store import Store

        self.store = Store.open(data)

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


if __name__ == "__main__":
    sys.exit(main())
