"""`kiosk run [--headless] [--demo]`: run the kiosk until SIGTERM/SIGINT (or its window closes).

Without --headless the Kivy touchscreen (kiosk.ui) runs on the main thread, fullscreen by
default (`[ui]`), and the kiosk's own loop (start, tick, health watch) on a thread of its
own; a missing CJK font or toolkit stops start-up with the package to install. Headless runs
the kiosk's services with no screen. Both log one line per decision (member
number and reason, never a name or a card UID next to one). --demo uses
sim:// devices (the card reader takes `tap UID` on a control socket) and demo members in a
fresh temporary data_dir. SIGTERM stops cleanly: every relay off first, then the rest
(bootstrap.Kiosk.stop). All wiring is bootstrap.build's; this only starts, watches, stops.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import devices
from kiosk import config
from kiosk.app.watchdog import ServiceWatchdog
from kiosk.bootstrap import Kiosk, build
from kiosk.store import Store, StoreError
from lobby_core.members_csv import COLUMNS, parse_csv

log = logging.getLogger("kiosk.run")
READY_WAIT_S = 5.0

# Demo members: one per thing a member can be told (see `kiosk run --demo` output).
DEMO_MEMBERS = [
    ("D001", "张小明", "04A1B2C3", "gym|pool", "2020-01-01", "2099-12-31", "active", ""),
    ("D002", "李华", "04A1B2C4", "gym", "2020-01-01", "2099-12-31", "active", "3"),
    ("D003", "王芳", "04A1B2C5", "gym", "2020-01-01", "2024-12-31", "active", ""),
    ("D004", "Jane Smith", "04A1B2C6", "gym", "2020-01-01", "2099-12-31", "frozen", ""),
    ("D005", "陈伟", "04A1B2C7", "gym", "2020-01-01", "2099-12-31", "active", "0"),
    ("D006", "赵敏", "04A1B2C8", "pool", "2020-01-01", "2099-12-31", "active", ""),
]


def setup_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # Alembic narrates every start at INFO; kiosk.store.migrate logs the upgrades that matter.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def demo_config(base: config.Config) -> config.Config:
    data_dir = Path(tempfile.mkdtemp(prefix="lobby-kiosk-demo-"))
    sock = data_dir / "card.sock"
    cfg = dataclasses.replace(
        base,
        kiosk=dataclasses.replace(base.kiosk, data_dir=str(data_dir)),
        devices=dataclasses.replace(base.devices, card_reader=f"sim://?name=gate&control={sock}",
                                    relay="sim://?name=gate"),
        lockers=dataclasses.replace(base.lockers, relay=""),
    )
    store = Store.open(data_dir)
    try:
        rows = "\n".join(",".join(r) for r in DEMO_MEMBERS)
        parsed = parse_csv(f"{','.join(COLUMNS)}\n{rows}\n".encode())
        with store.write() as tx:
            tx.import_members(parsed.members, datetime.now(UTC))
    finally:
        store.close()
    print(f"demo: data in {data_dir}; tap a card with\n"
          f"  echo 'tap 04A1B2C3' | socat - UNIX-SENDTO:{sock}\n"
          "demo cards: 04A1B2C3 valid, 04A1B2C4 3 visits, 04A1B2C5 expired, 04A1B2C6 frozen, "
          "04A1B2C7 no visits left, 04A1B2C8 pool only, anything else unknown", flush=True)
    return cfg


def serve(kiosk: Kiosk, stop: threading.Event, service: ServiceWatchdog | None = None) -> None:
    kiosk.start()
    cfg = kiosk.config
    # "ready" means a card presented from now on is a tap: the reader reports ok once it
    # watches (a card already lying on the reader at that moment is deliberately not a tap).
    deadline = time.monotonic() + READY_WAIT_S
    while not kiosk.reader.health().is_ok and time.monotonic() < deadline and not stop.is_set():
        time.sleep(0.01)
    if not kiosk.reader.health().is_ok:
        log.warning("card reader not watching yet: %s", kiosk.reader.health())
    log.info("ready: facility=%s direction=%s reader=%s relay=%s", cfg.kiosk.facility,
             cfg.kiosk.direction, cfg.devices.card_reader, cfg.devices.relay)
    if service is not None:
        service.ready(f"ready: {cfg.kiosk.name}")  # systemd: READY=1, then watchdog pings
    last: dict[str, str] = {}
    # Waiting with a timeout keeps the main thread responsive to signals, and the wake-ups
    # double as the kiosk's tick and a health watch: a device going down or coming back is
    # logged once.
    while not stop.wait(1.0):
        kiosk.tick()
        for name, health in kiosk.health().items():
            text = str(health)
            prev = last.get(name)
            if text != prev and (prev is not None or not health.is_ok):
                (log.info if health.is_ok else log.warning)("device %s: %s", name, text)
            last[name] = text


def main(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config) if (args.config or not args.demo) else config.Config()
    except config.ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    setup_logging(cfg.log.level)
    try:
        font = None if args.headless else find_font()  # before anything is opened or made
        if args.demo:
            cfg = demo_config(cfg)
        if font is not None:
            prepare_window(cfg)
        kiosk = build(cfg)
    except StoreError as exc:
        log.error("%s", exc)
        return 2
    except devices.DeviceError as exc:
        log.error("cannot open a device: %s", exc)
        return 1
    except UiUnavailable as exc:
        log.error("%s", exc)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    service = ServiceWatchdog.from_environment(kiosk.loops())  # inert unless systemd runs us
    try:
        if font is None:
            serve(kiosk, stop, service)  # devices, and sync with central (idles until enrolled)
        else:
            serve_with_screen(kiosk, stop, font, service)
    finally:
        service.stop()
        kiosk.stop()  # relays off first, then the slow joins
        log.info("stopped; all relays off")
    return 0


class UiUnavailable(Exception):
    """The touchscreen cannot start here: no toolkit, or no font that draws Chinese."""


def find_font() -> Path:
    """Before anything else: the touchscreen cannot show Chinese without a CJK font."""
    from kiosk.ui import fonts

    try:
        return fonts.find_cjk_font()
    except fonts.FontError as exc:
        raise UiUnavailable(f"cannot start the touchscreen: {exc}") from None


def prepare_window(cfg: config.Config) -> None:
    """Kivy configured before its first import; a missing toolkit names what to install."""
    from kiosk.ui import window

    if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")):
        log.warning("no DISPLAY or WAYLAND_DISPLAY: the screen is drawn through KMS/DRM (a "
                    "Raspberry Pi's console); on a machine without a screen use --headless, "
                    "or xvfb-run -a kiosk run to draw on a virtual one")
    try:
        window.prepare_environment(cfg.data_path / "kivy")
    except OSError as exc:
        raise UiUnavailable(f"cannot start the touchscreen: cannot create "
                            f"{cfg.data_path / 'kivy'}: {exc.strerror}") from None
    logging.getLogger("kivy").setLevel(logging.WARNING)  # its start-up narration is not ours
    try:
        window.configure(cfg.ui)
    except ImportError:
        raise UiUnavailable("cannot start the touchscreen: Kivy is not installed (pip install "
                            "'lobby-kiosk[ui]'); or run with --headless") from None


def prepare_ui(cfg: config.Config) -> Path:
    font = find_font()
    prepare_window(cfg)
    return font


def serve_with_screen(kiosk: Kiosk, stop: threading.Event, font: Path,
                      service: ServiceWatchdog | None = None) -> None:
    """The screen on this (the main) thread; the kiosk's loop beside it. Either ending ends both."""
    from kiosk.ui.app import make_app

    app = make_app(kiosk, font=font, stop=stop)
    loop = threading.Thread(target=serve, args=(kiosk, stop, service), name="kiosk-loop", daemon=True)
    loop.start()
    try:
        app.run()  # returns when the window closes or `stop` is set (a signal)
    finally:
        stop.set()
        loop.join(timeout=10)
