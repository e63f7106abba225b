"""`make demo`: central, the console and a kiosk on simulated devices, driven from this terminal.

Starts the central service on SQLite (demo logins, members, hosts, an invitation), enrolls a
kiosk on sim:// devices and runs it: with its window when there is a display, headless
otherwise. The terminal is the simulator panel (kiosk.demo.panel): tap the demo cards, lay the
sample ID card on the reader, scan a slip or the invitation, break and mend each device.
Ctrl-C, closing the terminal (SIGHUP) or SIGTERM stops every process the demo started.
`--tour` taps every demo card once, checks the outcomes and exits (the demo's own test).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from .display import HOW_TO_GET_A_SCREEN, has_display
from .instance import DemoAlreadyRunning, InstanceLock, NotADemoDirectory, fresh_root
from .panel import HELP, Panel
from .stack import (
    DEMO_PASSWORDS,
    DEMO_PIN,
    DEMO_TECH_PIN,
    PREFERRED_PORT,
    DemoError,
    Stack,
    demo_cards,
    wait_for,
)

# member_no -> whether the gate should open for it in the tour
EXPECTED = {"D001": True, "D002": True, "D003": False, "D004": False, "D005": False, "D006": False}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Stopped(BaseException):
    """A stop signal arrived; BaseException so no `except Exception` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def say(text: str) -> None:
    # After SIGHUP the terminal is gone: writing to it fails, and stopping must go on.
    with contextlib.suppress(OSError, ValueError):
        print(text, flush=True)


def on_stop_signal(signum: int, _frame: FrameType | None) -> None:
    for sig in STOP_SIGNALS:  # one stop at a time: a second Ctrl-C must not cut the cleanup short
        signal.signal(sig, signal.SIG_IGN)
    raise Stopped(signum)


def watch_children(stack: Stack) -> None:
    """A child that ends by itself (the kiosk window closed, central crashed) ends the demo."""
    while True:
        dead = stack.dead_child()
        if dead:
            say(f"demo: {dead} stopped by itself; stopping the demo")
            os.kill(os.getpid(), signal.SIGTERM)
            return
        time.sleep(0.2)


def tour(stack: Stack, panel: Panel) -> int:
    failures = 0
    for n, card in enumerate(panel.cards, 1):
        before = len(stack.lines)
        panel.handle(str(n))
        wait_for(lambda b=before, m=card.member_no: stack.seen(m, b), 10, f"a decision for {card.member_no}")
        line = next(ln for ln in stack.lines[before:] if card.member_no in ln)
        granted = " granted" in line or "GRANTED" in line
        ok = granted == EXPECTED[card.member_no]
        failures += not ok
        say(f"tour: {card.member_no} {'granted' if granted else 'denied'}"
            f"{'' if ok else ' (UNEXPECTED)'}: {line}")
    return 1 if failures else 0


def introduce(stack: Stack, panel: Panel) -> None:
    say("\nDemo cards:")
    for i, card in enumerate(panel.cards, 1):
        say(f"  {i}. {card.uid}  {card.member_no}  {card.label}")
    say(f"\nConsole: {stack.central_url}/  (admin / {DEMO_PASSWORDS['admin'][1]}, "
        f"reception / {DEMO_PASSWORDS['reception'][1]}, tech / {DEMO_PASSWORDS['tech'][1]}; "
        f"reception's kiosk PIN {DEMO_PIN[1]}, tech's {DEMO_TECH_PIN[1]})")
    say(f"Slips print to {stack.root / 'slips'}/\n\nSimulator panel, type a command and Enter:\n{HELP}\n")


def interactive(panel: Panel) -> None:
    for raw in sys.stdin:
        if raw.strip().lower() in ("quit", "exit"):
            return
        reply = panel.handle(raw)
        if reply:
            say(reply)
    if not sys.stdin.isatty():  # input was piped and has ended: run on until a stop signal
        threading.Event().wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kiosk.demo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="var/demo", help="where the demo keeps its data (default var/demo)")
    p.add_argument("--port", type=int, default=PREFERRED_PORT,
                   help=f"central's port (default {PREFERRED_PORT}; taken if busy: another is "
                        "chosen and named; 0 = any free port)")
    p.add_argument("--headless", action="store_true", help="no kiosk window even with a display")
    p.add_argument("--tour", action="store_true", help="tap each demo card once and exit")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error(f"--port {args.port} is not a TCP port (0-65535)")
    root = Path(args.root).resolve()
    for sig in STOP_SIGNALS:
        signal.signal(sig, on_stop_signal)
    lock = InstanceLock(root)
    stack = Stack(root, say, echo=not args.tour)
    try:
        lock.acquire()
        fresh_root(root)
        window = has_display(os.environ) and not args.headless and not args.tour
        if not window and not args.tour:
            say(HOW_TO_GET_A_SCREEN if not args.headless else "demo: --headless: no kiosk window")
        stack.start_central(args.port)
        lock.note(console=f"{stack.central_url}/")
        assert stack.central is not None
        say(f"demo: central (pid {stack.central.pid}) at {stack.central_url}/")
        stack.start_kiosk(window)
        assert stack.kiosk is not None
        say(f"demo: kiosk (pid {stack.kiosk.pid}) {stack.kiosk_mode(window)}; ready")
        panel = Panel(stack.sockets, demo_cards(), root / "slips", stack.invitation, stack.send)
        if args.tour:
            return tour(stack, panel)
        threading.Thread(target=watch_children, args=(stack,), name="demo-watch", daemon=True).start()
        introduce(stack, panel)
        interactive(panel)
        return 0
    except Stopped as stop:
        say(f"demo: {stop} received, stopping")
        return 0 if stop.signum == signal.SIGINT else 128 + stop.signum
    except DemoAlreadyRunning as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 3
    except NotADemoDirectory as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        for line in stack.lines[-20:]:
            print(f"  {line}", file=sys.stderr)
        return 1
    finally:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stack.children.stop()
        stack.remove_short_run_dir()
        if stack.children.started:
            say("demo: stopped; every process it started has ended")
        lock.release()


if __name__ == "__main__":
    sys.exit(main())
