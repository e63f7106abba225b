"""`make demo`: the whole product on one machine with simulated devices.

Starts the central service on SQLite, creates demo console users and a kiosk, enrolls the
kiosk, and runs it with sim:// devices. Cards are tapped by typing their number; the
kiosk's decisions (and the gate relay pulses) scroll past. `--tour` taps every demo card
once, checks the outcomes and exits (used by the test of the demo).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.commands.run import DEMO_MEMBERS
from lobby_core.members_csv import COLUMNS
from lobby_core.uid import normalise_uid

DEMO_PASSWORDS = {"admin": ("admin", "demo-admin-pass"),
                  "reception": ("receptionist", "demo-reception-pass"),
                  "tech": ("technician", "demo-tech-pass")}
# One zone for the kiosk and the console, so both show the same local times.
DEMO_ZONE = "Asia/Shanghai"
# member_no -> whether the gate should open for it in the tour
EXPECTED = {"D001": True, "D002": True, "D003": False, "D004": False, "D005": False, "D006": False}


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def run(cmd: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def wait_for(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = Path(sys.executable).parent
        self.procs: list[subprocess.Popen[str]] = []
        self.lines: list[str] = []
        self.lines_lock = threading.Lock()

    def tool(self, name: str) -> str:
        found = self.bin / name
        return str(found) if found.exists() else name

    def start_central(self) -> str:
        data = self.root / "central"
        port = free_port(8600)
        env = {"CENTRAL_TIMEZONE": DEMO_ZONE, **os.environ, "CENTRAL_DATA_DIR": str(data)}
        for user, (role, password) in DEMO_PASSWORDS.items():
            run([self.tool("central"), "users", "add", user, "--role", role],
                stdin=password + "\n", env=env)
        csv = self.root / "members.csv"
        csv.write_text(",".join(COLUMNS) + "\n" + "\n".join(",".join(r) for r in DEMO_MEMBERS) + "\n",
                       encoding="utf-8")
        run([self.tool("central"), "members", "import", str(csv)], env=env)
        code = run([self.tool("central"), "kiosks", "add", "Demo lobby"], env=env).strip().splitlines()[-1]
        self.spawn("central", [self.tool("central"), "serve", "--port", str(port), "--log-level", "warning"],
                   env)
        wait_for(lambda: port_open(port), 30, "the central service to listen")
        self.central_url = f"http://127.0.0.1:{port}"
        return code

    def write_kiosk_config(self) -> Path:
        data = self.root / "kiosk"
        self.card_sock = self.root / "card.sock"
        cfg = self.root / "kiosk.toml"
        cfg.write_text(
            f'[kiosk]\nname = "Demo lobby"\ndata_dir = "{data}"\nfacility = "gym"\n'
            f'language = "en"\ntimezone = "{os.environ.get("CENTRAL_TIMEZONE") or DEMO_ZONE}"\n'
            f'[devices]\ncard_reader = "sim://?name=gate&control={self.card_sock}"\n'
            f'relay = "sim://?name=gate&channels=8"\n'
            f'printer = "sim://?name=lobby&out={self.root / "slips"}"\n'
            f'qr_scanner = "none"\n'
            f'[central]\nurl = "{self.central_url}"\n', encoding="utf-8")
        return cfg

    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, start_new_session=True)
        self.procs.append(proc)
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()

    def _pump(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self.lines_lock:
                self.lines.append(f"{name}: {line.rstrip()}")
            if self.echo:
                print(f"[{name}] {line.rstrip()}", flush=True)

    def tap(self, uid: str) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(f"tap {uid}".encode(), str(self.card_sock))

    def seen(self, needle: str) -> bool:
        with self.lines_lock:
            return any(needle in ln for ln in self.lines)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def start(self, echo: bool) -> None:
        self.echo = echo
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        code = self.start_central()
        cfg = self.write_kiosk_config()
        try:
            run([self.tool("kiosk"), "enroll", self.central_url, code, "--config", str(cfg)])
            run([self.tool("kiosk"), "sync", "--once", "--config", str(cfg)])
        except RuntimeError as exc:
            print(f"demo: kiosk not enrolled ({exc}); it runs standalone", flush=True)
            run([self.tool("kiosk"), "members", "import", str(self.root / "members.csv"),
                 "--config", str(cfg)])
        self.spawn("kiosk", [self.tool("kiosk"), "run", "--headless", "--config", str(cfg)])
        wait_for(lambda: self.seen("ready"), 30, "the kiosk to be ready")


def tour(demo: Demo) -> int:
    failures = 0
    for member_no, _name, uid, *_ in DEMO_MEMBERS:
        before = len(demo.lines)
        demo.tap(uid)
        wait_for(lambda b=before, m=member_no: any(m in ln for ln in demo.lines[b:]), 10,
                 f"a decision for {member_no}")
        line = next(ln for ln in demo.lines[before:] if member_no in ln)
        granted = " granted" in line or "GRANTED" in line
        ok = granted == EXPECTED[member_no]
        failures += not ok
        print(f"tour: {member_no} {'granted' if granted else 'denied'}"
              f"{'' if ok else ' (UNEXPECTED)'}: {line}", flush=True)
    return 1 if failures else 0


def interactive(demo: Demo) -> None:
    cards = {str(i): row[2] for i, row in enumerate(DEMO_MEMBERS, 1)}
    print("\nDemo cards:", flush=True)
    for i, (member_no, _name, uid, fac, _f, until, status, visits) in enumerate(DEMO_MEMBERS, 1):
        print(f"  {i}. {uid}  {member_no}  {fac:<9} until {until}  {status:<7} "
              f"visits {visits or 'unlimited'}")
    print(f"\nConsole: {demo.central_url}/  (admin / {DEMO_PASSWORDS['admin'][1]}, "
          f"reception / {DEMO_PASSWORDS['reception'][1]}, tech / {DEMO_PASSWORDS['tech'][1]})")
    print("Type a card number (1-6) or any hex UID and Enter to tap; Ctrl-D or Ctrl-C to quit.\n",
          flush=True)
    for raw in sys.stdin:
        text = raw.strip()
        if not text:
            continue
        uid = cards.get(text, text)
        try:
            normalise_uid(uid)
        except ValueError as exc:  # the reader would drop it silently: say why here
            print(f"demo: {text!r} is neither a demo card (1-{len(cards)}) nor a card UID: {exc}",
                  flush=True)
            continue
        demo.tap(uid)
    if not sys.stdin.isatty():
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kiosk.demo", description=__doc__)
    p.add_argument("--root", default="var/demo", help="where the demo keeps its data")
    p.add_argument("--tour", action="store_true", help="tap each demo card once and exit")
    args = p.parse_args(argv)
    demo = Demo(Path(args.root).resolve())
    try:
        demo.start(echo=not args.tour)
        if args.tour:
            return tour(demo)
        interactive(demo)
        return 0
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        for line in demo.lines[-20:]:
            print(f"  {line}", file=sys.stderr)
        return 1
    finally:
        demo.stop()


if __name__ == "__main__":
    sys.exit(main())
