"""Card tap latency: our pcsc:// driver against a bare PC/SC UID read, on pcscd + vpcd.

Each cycle inserts a virtual card (in its own process, like real hardware) into a vpcd
reader. pcscd polls readers every 400 ms; when it finds the card it powers it, reads its
ATR and then tells the waiting SCardGetStatusChange callers that a card is present. The
card records when it sent that ATR after the power-on (CLOCK_MONOTONIC, the clock of time.perf_counter in
every process): t0, "card present", for both measurements, so pcscd's polling is left out
and no extra timestamping thread competes with the measured one.
- floor: a bare watcher thread per reader (SCardGetStatusChange loop, then SCardConnect,
  FF CA 00 00 00, SCardDisconnect, UID to hex) - the least any watcher thread can do;
  floor = its UID in hand - t0.
- ours: our pcsc:// driver, one per reader; ours = on_tap called - t0.
Modes alternate in blocks of cycles, on two readers in turn so one card's removal
overlaps the next insertion. Target: p50(ours) <= 1.2 x p50(floor).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from smartcard import scard

import devices
from tests.vcard import pcsc_stack_lock

READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
CYCLES = 400  # ≈3 min: pcscd looks at each reader only every 400 ms; 200 a side, so p99 is not the max
BLOCK = 10  # cycles per mode before switching; CYCLES / BLOCK is even
BUDGET_S = 420.0  # a guard, not the plan
TARGET_RATIO = 1.2
GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
REPO = Path(__file__).resolve().parent.parent


def _readers_ready() -> bool:
    hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return False
    try:
        hresult, readers = scard.SCardListReaders(ctx, [])
        return hresult == scard.SCARD_S_SUCCESS and all(r in readers for r in READERS)
    finally:
        scard.SCardReleaseContext(ctx)


def _ensure_pcscd() -> subprocess.Popen[bytes] | None:
    """Start `pcscd -f` if no daemon answers; return it so we stop it afterwards."""
    if _readers_ready():
        return None
    if shutil.which("pcscd") is None or os.geteuid() != 0:
        raise SystemExit("pcscd is not running (start it as root, with vsmartcard-vpcd)")
    proc = subprocess.Popen(["pcscd", "-f"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 10
    while not _readers_ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("pcscd did not come up with the vpcd readers")
        time.sleep(0.02)
    return proc


class Cards:
    """Virtual cards in a child process (`python -m tests.vcard`)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.vcard"], cwd=REPO, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def _do(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if reply.split()[:1] != ["ok"]:
            raise RuntimeError(f"bench: virtual card {line!r}: {reply or 'no answer'}")
        return reply

    def insert(self, slot: int, uid: str) -> None:
        self._do(f"insert {slot} {uid}")

    def powered_atr_at(self, slot: int) -> float:
        return float(self._do(f"atr {slot}").split()[1])

    def remove(self, slot: int) -> None:
        self._do(f"remove {slot}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(5)


class BareReader(threading.Thread):
    """The floor: a bare SCardGetStatusChange loop on one reader that reads each new card."""

    def __init__(self, reader: str) -> None:
        super().__init__(name=f"bench-bare-{reader[-1]}", daemon=True)
        self.reader = reader
        self.stopping = False
        self.cond = threading.Condition()
        self.read_at: float | None = None
        self.uid = ""
        hresult, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hresult == scard.SCARD_S_SUCCESS

    def run(self) -> None:
        known = scard.SCARD_STATE_UNAWARE
        while not self.stopping:
            hresult, new = scard.SCardGetStatusChange(self.ctx, 1000, [(self.reader, known)])
            if hresult != scard.SCARD_S_SUCCESS:
                continue
            event = new[0][1]
            if event & scard.SCARD_STATE_PRESENT and not known & scard.SCARD_STATE_PRESENT:
                self._read()
            known = event & ~scard.SCARD_STATE_CHANGED
        scard.SCardReleaseContext(self.ctx)

    def _read(self) -> None:
        hresult, card, proto = scard.SCardConnect(
            self.ctx, self.reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hresult != scard.SCARD_S_SUCCESS:
            return
        hresult, resp = scard.SCardTransmit(card, proto, GET_UID)
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        if hresult != scard.SCARD_S_SUCCESS or resp[-2:] != [0x90, 0x00]:
            return
        self.uid = bytes(resp[:-2]).hex().upper()  # a read ends with the UID in hand
        done = time.perf_counter()
        with self.cond:
            self.read_at = done
            self.cond.notify_all()

    def finish(self) -> None:
        self.stopping = True
        while self.is_alive():
            scard.SCardCancel(self.ctx)
            self.join(0.05)


class Harness:
    """Runs either the bare readers (floor) or our drivers (ours) on both readers."""

    def __init__(self) -> None:
        self.drivers = [devices.open_card_reader(f"pcsc://?reader={r.replace(' ', '%20')}")
                        for r in READERS]
        self.bare: dict[str, BareReader] = {}
        self.tap_at: dict[str, float] = {}
        self.tap_cond = threading.Condition()
        hresult, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hresult == scard.SCARD_S_SUCCESS

    def on_tap(self, tap: devices.Tap) -> None:
        t = time.perf_counter()
        with self.tap_cond:
            self.tap_at[tap.reader] = t
            self.tap_cond.notify_all()

    def use(self, ours: bool) -> None:
        self.stop()
        if ours:
            for d in self.drivers:
                d.start(self.on_tap)
            deadline = time.monotonic() + 5
            while not all(d.health().is_ok for d in self.drivers):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"bench: driver not watching: {self.drivers[0].health()}")
                time.sleep(0.005)
        else:
            self.bare = {r: BareReader(r) for r in READERS}
            for bare in self.bare.values():
                bare.start()

    def stop(self) -> None:
        for d in self.drivers:
            d.stop()
        for bare in self.bare.values():
            bare.finish()
        self.bare = {}

    def forget(self, reader: str) -> None:
        with self.tap_cond:
            self.tap_at.pop(reader, None)
        bare = self.bare.get(reader)
        if bare is not None:
            with bare.cond:
                bare.read_at = None

    def wait_result(self, reader: str) -> float:
        """When the UID was in hand (floor) or on_tap ran (ours)."""
        bare = self.bare.get(reader)
        cond, get = ((bare.cond, lambda: bare.read_at) if bare is not None
                     else (self.tap_cond, lambda: self.tap_at.get(reader)))
        with cond:
            if not cond.wait_for(lambda: get() is not None, 5):
                raise RuntimeError(f"bench: no UID read / tap on {reader}")
            return get()  # type: ignore[return-value]

    def wait_empty(self, reader: str) -> None:
        """Block until pcscd has seen the reader's card go (not during a measurement)."""
        known = scard.SCARD_STATE_UNAWARE
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            hresult, new = scard.SCardGetStatusChange(self.ctx, 1000, [(reader, known)])
            if hresult == scard.SCARD_S_SUCCESS:
                known = new[0][1] & ~scard.SCARD_STATE_CHANGED
                if known & scard.SCARD_STATE_EMPTY:
                    return
        raise RuntimeError(f"bench: {reader} never became empty")

    def close(self) -> None:
        self.stop()
        scard.SCardReleaseContext(self.ctx)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    with pcsc_stack_lock():
        return _run()


def _run() -> int:
    daemon = _ensure_pcscd()
    harness = Harness()
    cards = Cards()
    floor: list[float] = []
    ours: list[float] = []
    detect: list[float] = []  # insert -> ATR read by pcscd (informational)
    started = time.monotonic()
    try:
        for cycle in range(CYCLES):
            if time.monotonic() - started > BUDGET_S:
                break
            driver_mode = (cycle // BLOCK) % 2 == 1
            if cycle % BLOCK == 0:
                for reader in READERS:
                    harness.wait_empty(reader)
                harness.use(ours=driver_mode)
            slot = cycle % 2
            reader = READERS[slot]
            harness.wait_empty(reader)
            harness.forget(reader)
            inserted = time.perf_counter()
            cards.insert(slot, f"04A1B2C3D4E5{cycle % 256:02X}")
            done = harness.wait_result(reader)
            t0 = cards.powered_atr_at(slot)
            detect.append(t0 - inserted)
            (ours if driver_mode else floor).append(done - t0)
            cards.remove(slot)
    finally:
        harness.close()
        cards.close()
        if daemon is not None:
            daemon.terminate()
            daemon.wait(5)
    elapsed = time.monotonic() - started
    ms = 1000.0
    f50, f99 = _pct(floor, 0.5) * ms, _pct(floor, 0.99) * ms
    o50, o99 = _pct(ours, 0.5) * ms, _pct(ours, 0.99) * ms
    ratio = o50 / f50
    print(f"card tap: {len(floor) + len(ours)} insert/remove cycles in {elapsed:.1f} s; pcscd "
          f"found inserted cards after p50 {_pct(detect, 0.5) * ms:.0f} ms (in neither figure)")
    print(f"  floor, bare watcher + UID read (n={len(floor)}): "
          f"p50 {f50:.3f} ms  p99 {f99:.3f} ms")
    print(f"  ours, pcsc:// tap event       (n={len(ours)}): "
          f"p50 {o50:.3f} ms  p99 {o99:.3f} ms")
    print(f"  ratio p50 {ratio:.2f}x  p99 {o99 / f99:.2f}x  (target: p50 <= {TARGET_RATIO}x)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
