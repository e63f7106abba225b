"""The demo's stack: central on SQLite with demo logins, hosts and an invitation, and a kiosk
enrolled with it on sim:// devices, each a child process (kiosk.demo.children).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from devices import DeviceError
from devices.sim_control import send_command
from kiosk import config
from kiosk.commands.run import DEMO_MEMBERS
from lobby_core.members_csv import COLUMNS

from .children import Child, Children
from .panel import DemoCard, Sockets

DEMO_PASSWORDS = {"admin": ("admin", "demo-admin-pass"),
                  "reception": ("receptionist", "demo-reception-pass"),
                  "tech": ("technician", "demo-tech-pass")}
# One zone for the kiosk and the console, so both show the same local times.
DEMO_ZONE = "Asia/Shanghai"
DEMO_PIN = ("reception", "2468")  # the receptionist's kiosk PIN (offline approval)
DEMO_TECH_PIN = ("tech", "1357")  # the technician's: long-press the top-left corner 3 s
DEMO_HOSTS = [("unit", "2-1201", "Building 2, unit 1201"), ("unit", "2-1202", "Building 2, unit 1202"),
              ("unit", "3-0501", "Building 3, unit 501"), ("company", "星河物业", "Property office")]
INVITED = ("Alex Chen", "2-1201")  # the sample invitation: name, host
PREFERRED_PORT = 8600
READY_WAIT_S = 90.0
_MAX_SOCKET_PATH = 100  # sun_path holds 107 bytes; keep a margin
NO_UI_IN_BUILD = "the touchscreen UI is not in this build"  # kiosk.commands.run's warning


class DemoError(RuntimeError):
    """A step of starting the demo failed; str() says which."""


def pick_port(preferred: int) -> tuple[int, bool]:
    """(port, whether `preferred` was busy); preferred 0 takes any free port."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1], bool(preferred) and port == 0
    raise DemoError("no free port on 127.0.0.1")


def wait_for(cond: Callable[[], object], timeout_s: float, what: str,
             alive: Callable[[], str | None] = lambda: None) -> None:
    """Wait for cond() with a bound; `alive()` names a child that died meanwhile (then stop)."""
    deadline = time.monotonic() + timeout_s
    while not cond():
        dead = alive()
        if dead:
            raise DemoError(f"{dead} stopped while waiting for {what}")
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def demo_cards() -> list[DemoCard]:
    return [DemoCard(member_no, uid, f"{fac} until {until}, {status}, "
                     f"visits {visits or 'unlimited'}")
            for member_no, _name, uid, fac, _from, until, status, visits in DEMO_MEMBERS]


class Stack:
    def __init__(self, root: Path, say: Callable[[str], None], echo: bool) -> None:
        self.root = root
        self.say = say
        self.echo = echo
        self.bin = Path(sys.executable).parent
        self.lines: list[str] = []
        self._lines_lock = threading.Lock()
        self.children = Children(self._on_line)
        self.central_url = ""
        self.invitation: str | None = None
        self.central: Child | None = None
        self.kiosk: Child | None = None
        self._short_run_dir: Path | None = None
        self.sockets = self._socket_paths()

    # -- output ----------------------------------------------------------------------------------
    def _on_line(self, name: str, line: str) -> None:
        with self._lines_lock:
            self.lines.append(f"{name}: {line}")
        if self.echo:
            self.say(f"[{name}] {line}")

    def seen(self, needle: str, start: int = 0) -> bool:
        with self._lines_lock:
            return any(needle in ln for ln in self.lines[start:])

    def dead_child(self) -> str | None:
        gone = self.children.exited()
        return f"{gone[0].name} (exit {gone[0].proc.returncode})" if gone else None

    # -- helpers ---------------------------------------------------------------------------------
    def tool(self, name: str) -> str:
        found = self.bin / name
        return str(found) if found.exists() else name

    def run(self, cmd: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=120)
        if proc.returncode != 0:
            raise DemoError(f"{' '.join(Path(c).name for c in cmd[:3])} failed: "
                            f"{proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def _socket_paths(self) -> Sockets:
        run = self.root / "run"
        if len(os.fsencode(run / "id_reader.sock")) > _MAX_SOCKET_PATH:
            # A deep --root cannot hold a UNIX socket path: use a short directory instead.
            run = self._short_run_dir = Path(tempfile.mkdtemp(prefix="lobby-demo-"))
        return Sockets(*(str(run / f"{f.name}.sock") for f in dataclasses.fields(Sockets)))

    def remove_short_run_dir(self) -> None:
        """After the kiosk stopped: the socket directory made outside a deep --root."""
        if self._short_run_dir is not None:
            shutil.rmtree(self._short_run_dir, ignore_errors=True)

    # -- central -------------------------------------------------------------------------------
    def start_central(self, preferred_port: int) -> None:
        data = self.root / "central"
        port, busy = pick_port(preferred_port)
        if busy:
            self.say(f"demo: port {preferred_port} is busy (something else listens there); "
                     f"central takes port {port} instead")
        # One kiosk is both the gym entrance and the visitors' turnstile: passes open both.
        env = {"CENTRAL_TIMEZONE": DEMO_ZONE, "CENTRAL_VISITOR_FACILITIES": "lobby|gym", **os.environ,
               "CENTRAL_DATA_DIR": str(data)}
        env.pop("CENTRAL_DATABASE_URL", None)  # the demo's central is always its own SQLite
        central = self.tool("central")
        for user, (role, password) in DEMO_PASSWORDS.items():
            self.run([central, "users", "add", user, "--role", role], stdin=password + "\n", env=env)
        for user, pin in (DEMO_PIN, DEMO_TECH_PIN):
            self.run([central, "users", "pin", user], stdin=pin + "\n", env=env)
        members = self.root / "members.csv"
        members.write_text(",".join(COLUMNS) + "\n" + "\n".join(",".join(r) for r in DEMO_MEMBERS) + "\n",
                           encoding="utf-8")
        self.run([central, "members", "import", str(members)], env=env)
        hosts = self.root / "hosts.csv"
        hosts.write_text("kind,label,detail\n" + "\n".join(",".join(h) for h in DEMO_HOSTS) + "\n",
                         encoding="utf-8")
        self.run([central, "hosts", "import", str(hosts)], env=env)
        try:
            out = self.run([central, "invitations", "add", "--name", INVITED[0], "--host", INVITED[1],
                            "--entries", "3"], env=env)
            self.invitation = out.strip().splitlines()[-1]
        except DemoError as exc:  # the rest of the demo works without it
            self.say(f"demo: no sample invitation: {exc}")
        self.enrollment_code = self.run([central, "kiosks", "add", "Demo lobby"],
                                        env=env).strip().splitlines()[-1]
        self.central = self.children.spawn(
            "central", [central, "serve", "--port", str(port), "--log-level", "warning"], env)
        wait_for(lambda: port_open(port), 60, f"central to listen on port {port}", self.dead_child)
        self.central_url = f"http://127.0.0.1:{port}"

    # -- kiosk ---------------------------------------------------------------------------------
    def write_kiosk_config(self, window: bool) -> Path:
        s = self.sockets
        Path(s.card_reader).parent.mkdir(parents=True, exist_ok=True)

        def q(path: str | Path) -> str:
            return quote(str(path), safe="/")

        text = (
            f'[kiosk]\nname = "Demo lobby"\ndata_dir = "{self.root / "kiosk"}"\nfacility = "gym"\n'
            f'language = "en"\ntimezone = "{os.environ.get("CENTRAL_TIMEZONE") or DEMO_ZONE}"\n'
            "[devices]\n"
            f'card_reader = "sim://?name=gate&control={q(s.card_reader)}"\n'
            f'relay = "sim://?name=gate&channels=8&control={q(s.relay)}"\n'
            f'printer = "sim://?name=lobby&out={q(self.root / "slips")}&control={q(s.printer)}"\n'
            f'qr_scanner = "sim://?name=gate&control={q(s.scanner)}"\n'
            f'id_reader = "sim://?name=desk&control={q(s.id_reader)}"\n'
            f'[central]\nurl = "{self.central_url}"\n')
        # A window rather than the full screen, once this build's config knows [ui].
        if window and any(f.name == "ui" for f in dataclasses.fields(config.Config)):
            text += '[ui]\nfullscreen = false\nsize = "1280x800"\n'
        cfg = self.root / "kiosk.toml"
        cfg.write_text(text, encoding="utf-8")
        return cfg

    def start_kiosk(self, window: bool) -> None:
        cfg = self.write_kiosk_config(window)
        kiosk = self.tool("kiosk")
        try:
            self.run([kiosk, "enroll", self.central_url, self.enrollment_code, "--config", str(cfg)])
            self.run([kiosk, "sync", "--once", "--config", str(cfg)])
        except DemoError as exc:
            self.say(f"demo: kiosk not enrolled ({exc}); it runs standalone")
            self.run([kiosk, "members", "import", str(self.root / "members.csv"), "--config", str(cfg)])
        cmd = [kiosk, "run", "--config", str(cfg)] + ([] if window else ["--headless"])
        self.kiosk = self.children.spawn("kiosk", cmd)
        # Ready when the card reader answers on its control socket: the same with a window or without.
        wait_for(self._reader_watching, READY_WAIT_S, "the kiosk's card reader", self.dead_child)

    def kiosk_mode(self, window: bool) -> str:
        if not window:
            return "headless"
        # A build without the touchscreen says so in its log and runs headless.
        if self.seen(NO_UI_IN_BUILD):
            return "headless: this build has no touchscreen UI"
        return "in its window"

    def _reader_watching(self) -> bool:
        try:
            return send_command(self.sockets.card_reader, "health", timeout=0.5).startswith("ok")
        except DeviceError:
            return False

    def send(self, path: str, line: str) -> str:
        return send_command(path, line, timeout=5.0)
