"""The `kiosk` command line: parse arguments and hand off to the module that does the work."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from . import __version__

# Subcommand -> "module:function(args) -> int". Imported lazily so `kiosk --help` stays
# fast and a headless install never imports the UI toolkit.
_COMMANDS = {
    "run": "kiosk.commands.run:main",
    "members-import": "kiosk.commands.members_import:main",
    "diag": "kiosk.commands.diag:main",
    "enroll": "kiosk.commands.enroll:main",
    "sync": "kiosk.commands.sync:main",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Lobby kiosk for property clubhouses.")
    p.add_argument("--version", action="version", version=f"lobby-kiosk {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--config", metavar="PATH",
                        help="config file (default: $KIOSK_CONFIG, else /etc/lobby-kiosk/kiosk.toml)")
        return sp

    run = with_config(sub.add_parser("run", help="run the kiosk"))
    run.add_argument("--headless", action="store_true", help="entrance pipeline only, no screen")
    run.add_argument("--demo", action="store_true", help="simulated devices and demo data")
    run.set_defaults(handler="run")

    members = sub.add_parser("members", help="manage the local member list")
    msub = members.add_subparsers(dest="members_command", required=True, metavar="ACTION")
    imp = with_config(msub.add_parser("import", help="import members from a CSV file"))
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--local", action="store_true",
                     help="on an enrolled kiosk: members only this kiosk knows (reported to central)")
    imp.set_defaults(handler="members-import")

    diag = with_config(sub.add_parser("diag", help="device and system diagnostics"))
    diag.add_argument("--json", action="store_true", help="machine-readable output (stable keys)")
    diag.add_argument("--pulse", action="store_true",
                      help="live test: pulse the gate relay once (through the running kiosk)")
    diag.add_argument("--print", action="store_true",
                      help="live test: print a test slip (through the running kiosk)")
    diag.add_argument("--bundle", metavar="FILE.tar.gz",
                      help="also write a support bundle: this report, recent logs, the config "
                           "without secrets; no personal data")
    diag.set_defaults(handler="diag")

    enroll = with_config(sub.add_parser("enroll", help="enroll with the central service"))
    enroll.add_argument("url", metavar="URL")
    enroll.add_argument("code", metavar="CODE")
    enroll.set_defaults(handler="enroll")

    sync = with_config(sub.add_parser("sync", help="synchronise with the central service"))
    sync.add_argument("--once", action="store_true", required=True, help="one full cycle")
    sync.set_defaults(handler="sync")
    return p


def keep_escpos_cache() -> None:
    """python-escpos parses its 1 MB printer database with PyYAML on import (about a second
    on a Pi) unless it finds the pickle it wrote last time; by default it writes that pickle
    to a fresh temporary directory every run, so it never finds it and leaves a directory
    behind per start. A private cache directory (0700: a pickle is code) fixes both."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = base / "lobby-kiosk" / "escpos"
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        if cache.stat().st_uid != os.getuid() or cache.stat().st_mode & 0o077:
            return  # not ours alone: let escpos use its throwaway directory
    except OSError:
        return
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    keep_escpos_cache()  # before any command imports devices (and so escpos)
    target = _COMMANDS[args.handler]
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        print(f"kiosk: '{args.handler}' is not available in this build", file=sys.stderr)
        return 2
    return int(getattr(module, func_name)(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
