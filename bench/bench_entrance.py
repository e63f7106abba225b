"""Entrance benchmarks: lookup + decision at 1M members, tap->relay against a bare floor at
100k members, and the headless kiosk's peak RSS at 100k members.

1. lookup + decide: a store of 1,000,000 members (loaded through the product's import path)
   and 50,000 access events; each sample is one tap's read side exactly as MemberEntrance
   does it (card lookup, facility rule, activity queries, members_as_of, decide()).
   Target p99 <= 2 ms. Printed beside it: the bare floor (one raw sqlite3 indexed SELECT by
   UID on the same file) and the full write transaction incl. the event row and its fsync.
2. tap -> relay, on real stacks (pcscd + vpcd virtual cards; a pymodbus RTU board on a pty):
   a bare watcher thread (its own SCardGetStatusChange) stamps t0 when pcscd reports the
   card; t1 is when the board's server sees the coil write. Floor: the watcher itself reads
   the UID (SCardConnect + FF CA), commits one event row durably (the kiosk schema in a
   throwaway file, WAL + synchronous=FULL: the commit the kiosk must make before the gate
   moves) and sends write_coil with a bare pymodbus client. Ours: the kiosk (bootstrap.build:
   pcsc:// reader, modbus-rtu:// relay, 100k members) does it all. Modes alternate in blocks,
   TAP_PER_SIDE samples each (>= 200, so p99 is not simply the slowest sample).
   Target p50 <= 1.3x the floor; p99 is printed beside it. The relay's pty pair moves bytes
   as fast as the kernel copies them: it does not pace them at the 9600 baud the URL names
   (on a real line both sides add the same ~8 ms for the 8-byte write_coil request).
3. peak RSS: `kiosk run --headless` as a subprocess on a 100k-member store, tapped through
   the sim:// reader's control socket, then SIGTERM; ru_maxrss from wait4(). Target 120 MB.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from kiosk.domain.access import decide
from kiosk.domain.model import Policy
from kiosk.entrance import occupancy
from kiosk.store import Store
from kiosk.store.tables import AccessEvent
from lobby_core.members_csv import MemberRecord

REPO = Path(__file__).resolve().parents[1]
LOOKUP_MEMBERS = 1_000_000
LOOKUP_EVENTS = 50_000
LOOKUP_SAMPLES = 20_000
LOOKUP_P99_MS = 2.0
TAP_MEMBERS = 100_000
RSS_MEMBERS = 100_000
RSS_LIMIT_MB = 120.0
TAPS_FOR_RSS = 300
TAP_RATIO = 1.3
TAP_PER_SIDE = 200
TAP_CYCLES = 2 * TAP_PER_SIDE
TAP_BLOCK = 20
GATE = 0
NOW = datetime.now(UTC)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def uid_of(i: int) -> str:
    return f"04{i:012X}"  # 7-byte UIDs like MIFARE DESFire/Ultralight


def populate(data_dir: Path, n: int, rng: random.Random) -> Store:
    """n members through the import path: mixed plans, visit packages, statuses."""
    today = NOW.date()
    store = Store.open(data_dir)
    for start in range(0, n, 100_000):
        recs = []
        for i in range(start, min(n, start + 100_000)):
            begin = today - timedelta(days=rng.randint(0, 400))
            recs.append(MemberRecord(
                line=i + 2, member_no=f"M{i:07d}",
                name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                card_uids=(uid_of(i),),
                facilities=("gym", "pool") if i % 4 == 0 else ("gym",),
                valid_from=begin, valid_until=begin + timedelta(days=rng.choice([90, 365, 730])),
                status=rng.choices(["active", "frozen", "blocked"], weights=[95, 4, 1])[0],
                visits_remaining=None if i % 3 else rng.randint(0, 20),
            ))
        with store.write() as tx:
            tx.import_members(recs, NOW)
    return store


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(label: str, values_s: list[float]) -> str:
    return (f"  {label:<44} p50 {_pct(values_s, 0.5) * 1e3:7.3f} ms  "
            f"p99 {_pct(values_s, 0.99) * 1e3:7.3f} ms")


# -- 1. lookup + decide at 1M members -----------------------------------------------------------

def bench_lookup(workdir: Path) -> bool:
    rng = random.Random(7)
    t = time.perf_counter()
    store = populate(workdir / "lookup", LOOKUP_MEMBERS, rng)
    load_s = time.perf_counter() - t
    with store.write() as tx:  # a few months of taps, so activity queries have work to do
        rows = []
        for k in range(LOOKUP_EVENTS):
            i = rng.randrange(LOOKUP_MEMBERS)
            rows.append({"uuid": str(uuidlib.uuid4()), "at": NOW - timedelta(minutes=k * 3),
                         "facility": "gym", "direction": "entry", "card_uid": uid_of(i),
                         "member_no": f"M{i:07d}", "granted": True, "reason": None,
                         "consumed_visit": False, "visits_left": None, "pulse_state": "confirmed",
                         "synced_at": None, "locker": None})
        tx.conn.execute(insert(AccessEvent.__table__), rows)
    policy = Policy(zone=ZoneInfo("Asia/Shanghai"), track_exits=True)
    uids = [uid_of(rng.randrange(LOOKUP_MEMBERS)) if rng.random() < 0.95
            else f"08{rng.randrange(1 << 24):06X}" for _ in range(LOOKUP_SAMPLES)]

    def read_side(tx, uid: str) -> object:  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        member = tx.member_by_uid(uid)
        rule = tx.facility_rule("gym")
        act = occupancy.activity(tx, uid, member, "gym", now, rule, policy)
        return decide(member, "gym", now, rule, act, policy, tx.members_as_of())

    ours: list[float] = []
    granted = 0
    for uid in uids:
        t0 = time.perf_counter()
        with store.read() as tx:
            d = read_side(tx, uid)
        ours.append(time.perf_counter() - t0)
        granted += d.granted  # type: ignore[attr-defined]
    raw = sqlite3.connect(store.path)
    floor: list[float] = []
    for uid in uids:
        t0 = time.perf_counter()
        raw.execute("SELECT member_no FROM cards WHERE uid = ?", (uid,)).fetchone()
        floor.append(time.perf_counter() - t0)
    raw.close()
    full: list[float] = []
    for uid in uids[:500]:  # with the event row and its fsync (synchronous=FULL)
        t0 = time.perf_counter()
        with store.write() as tx:
            d = read_side(tx, uid)
            tx.conn.execute(insert(AccessEvent.__table__).values(
                uuid=str(uuidlib.uuid4()), at=datetime.now(UTC), facility="gym",
                direction="entry", card_uid=uid, member_no=None, granted=False, reason="bench",
                consumed_visit=False, visits_left=None, pulse_state="none"))
        full.append(time.perf_counter() - t0)
    store.close()
    p99 = _pct(ours, 0.99) * 1e3
    print(f"lookup + decide: {LOOKUP_MEMBERS:,} members, {LOOKUP_EVENTS:,} events "
          f"(loaded via import in {load_s:.0f} s); {len(uids):,} taps, {granted:,} granted")
    print(_line("floor (raw sqlite3 SELECT by UID)", floor))
    print(_line("lookup + activity + decide (read txn)", ours))
    print(_line("same + event row + commit fsync (info)", full))
    print(f"  target p99 <= {LOOKUP_P99_MS} ms: {'met' if p99 <= LOOKUP_P99_MS else 'NOT met'}")
    return p99 <= LOOKUP_P99_MS


# -- 2. tap -> relay on real stacks -------------------------------------------------------------

class _Watcher(threading.Thread):
    """A bare SCardGetStatusChange loop on one reader: stamps t0 when pcscd reports a card.

    In floor mode it then does what a minimal turnstile program would: SCardConnect, the UID
    APDU, the durable event commit, and write_coil on its own board with a bare pymodbus client.
    """

    def __init__(self, reader: str, floor_action: Callable[[str], None]) -> None:
        super().__init__(name="bench-watcher", daemon=True)
        from smartcard import scard

        self.scard = scard
        self.reader = reader
        self.floor = True
        self.floor_action = floor_action
        self.stopping = False
        self.cond = threading.Condition()
        self.present_at: float | None = None
        self.empty = True
        self.errors: list[str] = []
        hresult, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hresult == scard.SCARD_S_SUCCESS, "pcscd is not running"

    def run(self) -> None:
        sc = self.scard
        known = sc.SCARD_STATE_UNAWARE
        while not self.stopping:
            hresult, new = sc.SCardGetStatusChange(self.ctx, 200, [(self.reader, known)])
            if hresult != sc.SCARD_S_SUCCESS:
                continue
            t0 = time.perf_counter()  # CLOCK_MONOTONIC, as the board's time.monotonic()
            event = new[0][1]
            was, now = known & sc.SCARD_STATE_PRESENT, event & sc.SCARD_STATE_PRESENT
            known = event & ~sc.SCARD_STATE_CHANGED
            if now and not was:
                if self.floor:
                    hresult, card, proto = sc.SCardConnect(
                        self.ctx, self.reader, sc.SCARD_SHARE_SHARED,
                        sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
                    if hresult != sc.SCARD_S_SUCCESS:
                        self.errors.append(f"SCardConnect: {sc.SCardGetErrorMessage(hresult)}")
                    else:
                        _, reply = sc.SCardTransmit(card, proto, [0xFF, 0xCA, 0x00, 0x00, 0x00])
                        sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
                        self.floor_action(bytes(reply[:-2]).hex().upper())
                with self.cond:
                    self.present_at, self.empty = t0, False
                    self.cond.notify_all()
            elif was and not now:
                with self.cond:
                    self.empty = True
                    self.cond.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise RuntimeError(f"bench: timed out waiting for {what} ({self.errors[-3:]})")


def _granted_uids(store: Store, n: int) -> list[str]:
    """Cards of members who would be let in now (each used once: anti-passback)."""
    policy = Policy(zone=ZoneInfo("Asia/Shanghai"))
    out: list[str] = []
    i = 0
    with store.read() as tx:
        while len(out) < n:
            uid = uid_of(i)
            member = tx.member_by_uid(uid)
            rule = tx.facility_rule("gym")
            act = occupancy.activity(tx, uid, member, "gym", NOW, rule, policy)
            if decide(member, "gym", NOW, rule, act, policy, tx.members_as_of()).granted:
                out.append(uid)
            i += 1
    return out


class _FloorEvents:
    """The floor's durable record: one access_events row committed with synchronous=FULL in a
    throwaway copy of the kiosk schema, as the kiosk records a granted tap before the pulse."""

    def __init__(self, data_dir: Path) -> None:
        Store.open(data_dir).close()  # the kiosk's schema, migrations and all
        self.db = sqlite3.connect(data_dir / "kiosk.db", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")

    def commit(self, uid: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "INSERT INTO access_events (uuid, at, facility, direction, card_uid, member_no, granted, "
            "reason, consumed_visit, visits_left, pulse_state) "
            "VALUES (?, ?, 'gym', 'entry', ?, NULL, 1, NULL, 0, NULL, 'pending')",
            (str(uuidlib.uuid4()), datetime.now(UTC).isoformat(), uid))
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def bench_tap(workdir: Path) -> bool:
    from pymodbus.client import ModbusSerialClient

    from kiosk import config
    from kiosk.bootstrap import build
    from tests.fixtures.pcsc import READERS, PcscDaemon
    from tests.fixtures.serial_pty import ModbusBoard, SocatPair, modbus_url
    from tests.vcard import VirtualCard

    daemon = PcscDaemon()
    daemon.start()
    reader = READERS[0]
    store = populate(workdir / "tap", TAP_MEMBERS, random.Random(5))
    uids = _granted_uids(store, TAP_CYCLES)
    store.close()
    # Two boards: the bare client and the kiosk's driver each open their port exclusively.
    pairs = []
    for name in ("floor", "ours"):
        (workdir / name).mkdir()
        pairs.append(SocatPair(workdir / name))
    boards: list[ModbusBoard] = []
    for pair in pairs:
        pair.start()
        boards.append(ModbusBoard(pair.board_end))
        boards[-1].start()
    floor_board, our_board = boards
    client = ModbusSerialClient(str(pairs[0].kiosk_end), baudrate=9600, timeout=1, retries=0)
    assert client.connect()
    cfg = config.from_dict({
        "kiosk": {"data_dir": str(workdir / "tap"), "facility": "gym"},
        "devices": {"card_reader": "pcsc://?reader=" + reader.replace(" ", "%20"),
                    "relay": modbus_url(pairs[1], flash=1, timeout=1)},
        "gate": {"relay_channel": GATE, "pulse_ms": 100},
    })
    kiosk = build(cfg)
    events = _FloorEvents(workdir / "tap-floor")

    def floor_action(uid: str) -> None:
        events.commit(uid)
        client.write_coil(GATE, True, device_id=1)

    watcher = _Watcher(reader, floor_action)
    watcher.start()
    floor: list[float] = []
    ours: list[float] = []
    started = time.monotonic()
    try:
        for cycle, uid in enumerate(uids):
            ours_mode = (cycle // TAP_BLOCK) % 2 == 1
            if cycle % TAP_BLOCK == 0:
                watcher.wait(lambda: watcher.empty, "an empty reader")
                kiosk.reader.stop()
                watcher.floor = not ours_mode
                if ours_mode:
                    kiosk.reader.start(kiosk.member_entrance.handle_tap)
                    deadline = time.monotonic() + 5
                    while not kiosk.reader.health().is_ok:
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"bench: reader not watching: {kiosk.reader.health()}")
                        time.sleep(0.005)
            board = our_board if ours_mode else floor_board
            board.clear()
            with watcher.cond:
                watcher.present_at = None
            card = VirtualCard(uid, slot=0)
            card.insert()
            try:
                watcher.wait(lambda: watcher.present_at is not None, "pcscd to see the card")
                if watcher.errors:
                    raise RuntimeError(f"bench: floor read failed: {watcher.errors[-1]}")
                change = board.wait_for(lambda b=board: next(
                    (c for c in b.changes if c.channel == GATE and c.on), None),
                    what="the gate coil switched on")
                assert watcher.present_at is not None
                (ours if ours_mode else floor).append(change.at - watcher.present_at)
            finally:
                card.remove()
            watcher.wait(lambda: watcher.empty, "the card removed")
            if not ours_mode:
                client.write_coil(GATE, False, device_id=1)
    finally:
        watcher.stopping = True
        watcher.join(2)
        kiosk.stop()
        client.close()
        events.close()
        for board in boards:
            board.stop()
        for pair in pairs:
            pair.stop()
        daemon.cleanup()
    elapsed = time.monotonic() - started
    f50, f99 = _pct(floor, 0.5), _pct(floor, 0.99)
    o50, o99 = _pct(ours, 0.5), _pct(ours, 0.99)
    print(f"tap -> relay: {TAP_MEMBERS:,} members, {len(floor)} floor + {len(ours)} kiosk taps "
          f"in {elapsed:.0f} s (pcscd+vpcd; pymodbus board on a pty, which does not pace bytes at "
          "the 9600 baud named); from pcscd reporting the card to the coil write at the board")
    print(_line("floor (UID APDU + FULL event commit + coil)", floor))
    print(_line("kiosk (pcsc:// -> member entrance -> modbus-rtu://)", ours))
    ok = o50 <= TAP_RATIO * f50 and len(floor) >= TAP_PER_SIDE and len(ours) >= TAP_PER_SIDE
    print(f"  ratio p50 {o50 / f50:.2f}x  p99 {o99 / f99:.2f}x (info)  (target p50 <= {TAP_RATIO}x): "
          f"{'met' if ok else 'NOT met'}")
    return ok


# -- 3. peak RSS of a headless kiosk --------------------------------------------------------------

def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_rss(workdir: Path, relay_url: Callable[[], tuple[str, Callable[[], None]]]) -> bool:
    from devices.sim_control import send_command
    from tests.fixtures.kiosk import KioskProcess

    data = workdir / "rss"
    # Populate in a child process, and run this part first: Linux carries a process's peak
    # RSS across vfork+exec into the child's ru_maxrss, so the spawning process must stay
    # smaller than the kiosk for ru_maxrss to be the kiosk's own.
    subprocess.run([sys.executable, "-c", "import random, sys; from pathlib import Path; "
                    "from bench.bench_entrance import populate; "
                    "populate(Path(sys.argv[1]), int(sys.argv[2]), random.Random(11)).close()",
                    str(data), str(RSS_MEMBERS)], check=True, cwd=REPO)
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sock = workdir / "card.sock"
    url, cleanup = relay_url()
    cfg = workdir / "kiosk.toml"
    cfg.write_text(f'[kiosk]\ndata_dir = "{data}"\n[devices]\n'
                   f'card_reader = "sim://?name=bench&control={sock}"\nrelay = "{url}"\n')
    kiosk = KioskProcess(cfg)
    try:
        kiosk.wait_line("ready:", timeout=60)
        rng = random.Random(3)
        for _ in range(TAPS_FOR_RSS):
            before = len(kiosk.lines)
            send_command(str(sock), f"tap {uid_of(rng.randrange(RSS_MEMBERS))}")
            kiosk.wait_line("member_no=", timeout=10, start=before)
        hwm_mb = _vm_hwm_mb(kiosk.proc.pid)
        kiosk.signal(signal.SIGTERM)
        # wait4 rather than Popen.wait: it returns the child's rusage, ru_maxrss in KiB.
        _, status, usage = os.wait4(kiosk.proc.pid, 0)
        kiosk.proc.returncode = rc = os.waitstatus_to_exitcode(status)
    finally:
        kiosk.kill()
        cleanup()
    mb = usage.ru_maxrss / 1024
    print(f"headless kiosk peak RSS: ru_maxrss {mb:.1f} MB (VmHWM before SIGTERM {hwm_mb:.1f} MB; "
          f"spawning process {parent_mb:.1f} MB) with {RSS_MEMBERS:,} members after "
          f"{TAPS_FOR_RSS} taps, exit {rc}; target <= {RSS_LIMIT_MB:.0f} MB: "
          f"{'met' if mb <= RSS_LIMIT_MB else 'NOT met'}")
    return mb <= RSS_LIMIT_MB and rc == 0


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-entrance-"))
    ok = True
    try:
        ok &= bench_rss(workdir, lambda: ("sim://", lambda: None))
        ok &= bench_tap(workdir)
        ok &= bench_lookup(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
