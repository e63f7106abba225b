"""`kiosk diag [--json] [--pulse] [--print] [--bundle FILE.tar.gz]`: what works, what does
not, and what to do about it, for a technician at the kiosk or over SSH.

With a kiosk running on this data_dir (it holds the run lock) diag asks it over its control
socket for live device states and runs --pulse/--print through it: the kiosk holds the
serial ports exclusively. Without one, diag opens the devices itself. Every failure is a
check with a hint, never a traceback. Exit status: 0 all pass, 1 a warning, 2 a failure.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
import logging
import os
import pwd
import sys
from datetime import UTC, datetime
from pathlib import Path

from kiosk import config
from kiosk.app.diagnostics.control import ControlDenied, ControlError, ask
from kiosk.app.diagnostics.make import FAIL, WARN, check, one_line
from kiosk.store.run_lock import held_elsewhere
from lobby_core.diagnostics import Check, DiagError, Report, Status

# Asking a running kiosk needs only the socket client above; the checks, the drivers and the
# store are imported where diag does the work itself (a second or more on a small board).

ASK_TIMEOUT_S = 15.0  # a diagnosis takes seconds; a test pulse waits for a pass in progress
_MARK = {Status.PASS: "ok  ", Status.WARN: "WARN", Status.FAIL: "FAIL"}


def requester() -> str:
    """Who asked, for the kiosk's log: the login behind sudo if any."""
    user = os.environ.get("SUDO_USER")
    if not user:
        try:
            user = pwd.getpwuid(os.getuid()).pw_name
        except KeyError:  # a uid with no passwd entry (some containers)
            user = f"uid {os.getuid()}"
    return f"kiosk diag ({user})"


def render(report: Report, name: str) -> str:
    """One line per check, its hint under it when something is wrong, the verdict last."""
    lines = [f"lobby-kiosk diagnostics — {name} — {report.at.astimezone().isoformat(timespec='seconds')}"]
    group = ""
    for c in report.checks:
        if c.group != group:
            group = c.group
            lines.append(f"{group}:")
        lines.append(f"  [{_MARK[c.status]}] {c.summary}")
        if c.hint and c.status is not Status.PASS:
            lines.append(f"         -> {c.hint}")
    fails = sum(c.status is Status.FAIL for c in report.checks)
    warns = sum(c.status is Status.WARN for c in report.checks)
    verdict = {Status.PASS: "everything works", Status.WARN: "works, with warnings",
               Status.FAIL: "something is broken"}[report.status]
    lines.append(f"RESULT: {report.status.value.upper()} — {verdict} "
                 f"({fails} failed, {warns} warning{'' if warns == 1 else 's'})")
    return "\n".join(lines)


def _bundle(cfg: config.Config, report: Report) -> bytes:
    from kiosk.app.diagnostics.bundle import journal_tail, make_bundle

    return make_bundle(cfg, report, journal_tail())


def _from_kiosk(cfg: config.Config, args: argparse.Namespace) -> tuple[Report, bytes | None]:
    """Ask the running kiosk; when it does not answer, diagnose what needs no device."""
    who = requester()
    try:
        reply = ask(cfg.data_path, "status", requested_by=who, timeout_s=ASK_TIMEOUT_S)
        report = Report.from_json(reply.get("report"))
    except ControlDenied:
        return _denied(cfg), None
    except (ControlError, DiagError) as exc:
        process = check("kiosk.process", FAIL, "kiosk.unresponsive")
        why = f"the running kiosk holds the devices but does not answer ({one_line(exc, 80)})"
        actions = [check(f"action.{a}", FAIL, f"action.{a}_failed", reason=why)
                   for a, wanted in (("pulse", args.pulse), ("print", args.print)) if wanted]
        from kiosk.app.diagnostics.collect import diagnose

        report = diagnose(cfg, process=process, states=None, extra=actions, running=True)
        return report, (_bundle(cfg, report) if args.bundle else None)
    extra: list[Check] = []
    for cmd, wanted in (("pulse", args.pulse), ("print", args.print)):
        if not wanted:
            continue
        try:
            extra.append(Check.from_json(ask(cfg.data_path, cmd, requested_by=who,
                                             timeout_s=ASK_TIMEOUT_S).get("check")))
        except (ControlError, DiagError) as exc:
            extra.append(check(f"action.{cmd}", FAIL, f"action.{cmd}_failed",
                               reason=one_line(exc, 120)))
    bundle = None
    if args.bundle:
        try:
            bundle = base64.b64decode(ask(cfg.data_path, "bundle", requested_by=who,
                                          timeout_s=ASK_TIMEOUT_S).get("bundle", ""),
                                      validate=True)
        except (ControlError, binascii.Error, ValueError) as exc:
            print(f"kiosk diag: the running kiosk made no bundle ({one_line(exc, 120)}); "
                  "writing one from here", file=sys.stderr)
    report = Report(checks=[*report.checks, *extra], at=report.at, running=True)
    if args.bundle and bundle is None:
        bundle = _bundle(cfg, report)
    return report, bundle


def _standalone(cfg: config.Config, args: argparse.Namespace) -> tuple[Report, bytes | None]:
    from kiosk.app.diagnostics.collect import diagnose
    from kiosk.app.diagnostics.standalone import probe_devices

    states = probe_devices(cfg)
    extra: list[Check] = []
    if args.pulse:
        extra.append(_standalone_pulse(cfg))
    if args.print:
        extra.append(_standalone_print(cfg))
    process = check("kiosk.process", WARN, "kiosk.not_running")
    report = diagnose(cfg, process=process, states=states, extra=extra, running=False)
    return report, (_bundle(cfg, report) if args.bundle else None)


def _standalone_pulse(cfg: config.Config) -> Check:
    import devices
    from kiosk.app.diagnostics.actions import pulse_on

    try:
        relay = devices.open_relay(cfg.devices.relay)
    except devices.DeviceError as exc:
        return check("action.pulse", FAIL, "action.pulse_failed", reason=one_line(exc))
    try:
        return pulse_on(relay, cfg.gate.relay_channel, cfg.gate.pulse_ms, requester())
    finally:
        with contextlib.suppress(devices.DeviceError):
            relay.close()


def _standalone_print(cfg: config.Config) -> Check:
    import devices
    from kiosk.app.diagnostics.actions import print_on

    if cfg.devices.printer == "none":
        return print_on(None, cfg.kiosk.name, requester())
    try:
        printer = devices.open_printer(cfg.devices.printer)
    except devices.DeviceError as exc:
        return check("action.print", FAIL, "action.print_failed", reason=one_line(exc))
    try:
        return print_on(printer, cfg.kiosk.name, requester())
    finally:
        with contextlib.suppress(devices.DeviceError):
            printer.close()


def _denied(cfg: config.Config) -> Report:
    """Neither asking the kiosk nor opening its ports would work for this user: say so."""
    return Report(checks=[check("kiosk.process", FAIL, "kiosk.no_permission",
                                data_dir=cfg.data_path)], at=datetime.now(UTC), running=False)


def _config_report(exc: Exception) -> Report:
    return Report(checks=[check("config.file", FAIL, "config.invalid", error=one_line(exc, 200))],
                  at=datetime.now(UTC), running=False)


def _write_bundle(path: str, data: bytes) -> str | None:
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError as exc:
        return f"cannot write {target}: {exc.strerror or exc}"
    return None


def main(args: argparse.Namespace) -> int:
    # Drivers narrate opening and closing at INFO; diag's own output says what matters.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"kiosk diag: {exc}", file=sys.stderr)
        report = _config_report(exc)
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json
              else render(report, "config"))
        return report.status.exit_code
    running = held_elsewhere(cfg.data_path)
    try:
        if running is None:
            report, bundle = _denied(cfg), None
        else:
            report, bundle = (_from_kiosk if running else _standalone)(cfg, args)
    except Exception as exc:  # the last resort of "never a traceback"
        logging.getLogger(__name__).debug("kiosk diag failed", exc_info=True)
        report, bundle = Report(checks=[check("diag.internal", FAIL, "diag.internal",
                                              what="the kiosk", error=type(exc).__name__)],
                                at=datetime.now(UTC), running=bool(running)), None
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render(report, cfg.kiosk.name))
    if args.bundle and bundle is not None:
        problem = _write_bundle(args.bundle, bundle)
        if problem:
            print(f"kiosk diag: {problem}", file=sys.stderr)
            return Status.FAIL.exit_code
        if not args.json:
            print(f"bundle written to {args.bundle}")
    return report.status.exit_code
