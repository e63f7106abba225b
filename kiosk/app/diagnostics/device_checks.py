"""Device checks: card reader, relay board(s), printer, QR scanner and ID card reader.

They read a DeviceState snapshot, never a driver: the running kiosk fills one from the devices
it holds (no port is opened twice), and a diag without a running kiosk fills one from devices
it opened itself (standalone.py). Drivers say why they are down in their health() reason
text; the few phrases that pick a more specific code (and so a better hint) are matched here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import devices
from lobby_core.diagnostics import Check

from .make import FAIL, PASS, WARN, check, one_line, stamp

NOT_CONFIGURED = "none"
# Serial-port schemes whose URL path is a device node we can look for.
_PORT_SCHEMES = {"modbus-rtu", "lcus", "serial", "idcard-serial", "escpos-serial", "escpos-file"}
_SILENT = ("no answer", "not answering", "timed out")
_PCSCD_DOWN = ("PC/SC service not running", "lost the connection to the PC/SC service")
_NO_READER = ("no card reader connected", "no reader matching", "reader unplugged")


@dataclass
class DeviceState:
    url: str
    health: devices.Health
    last_event_at: datetime | None = None  # last tap or scan this process saw
    reader: str = ""  # the card reader's name, once watching


@dataclass
class RelayState:
    url: str
    health: devices.Health
    # channel -> role ("gate", "locker 12"); read back with `read` when the board is open
    channels: dict[int, str] = field(default_factory=dict)
    read: Callable[[int], bool] | None = None


@dataclass
class DeviceStates:
    card_reader: DeviceState
    relays: list[RelayState]
    printer: DeviceState
    qr_scanner: DeviceState
    id_reader: DeviceState
    since: datetime | None = None  # when the kiosk started watching (None: diag's own probe)


def port_of(url: str) -> str | None:
    """The device node a serial URL names, or None for other kinds."""
    try:
        parsed = devices.parse(url)
    except devices.DeviceError:
        return None
    if parsed.scheme not in _PORT_SCHEMES or not parsed.path:
        return None
    return parsed.path


def _has(reason: str, phrases: tuple[str, ...]) -> bool:
    low = reason.lower()
    return any(p.lower() in low for p in phrases)


def card_reader_checks(st: DeviceState, now: datetime) -> list[Check]:
    out: list[Check] = []
    reason = one_line(st.health.reason)
    if st.url.startswith("pcsc:"):
        if _has(reason, _PCSCD_DOWN):
            return [check("card_reader.service", FAIL, "card_reader.pcscd_down")]
        out.append(check("card_reader.service", PASS, "card_reader.pcscd_ok"))
    if st.health.is_ok:
        name = st.reader or reason.removeprefix("watching ").strip() or st.url
        out.append(check("card_reader.reader", PASS, "card_reader.ok", reader=name))
    elif _has(reason, _NO_READER):
        out.append(check("card_reader.reader", FAIL, "card_reader.no_reader", reason=reason))
    else:
        out.append(check("card_reader.reader", FAIL, "card_reader.down", reason=reason))
    out.append(_last("card_reader.last_tap", st.last_event_at, now, "card_reader"))
    return out


def _last(id: str, at: datetime | None, now: datetime, kind: str) -> Check:
    if at is None:
        return check(id, PASS, f"{kind}.no_tap" if kind == "card_reader" else f"{kind}.no_scan")
    code = f"{kind}.last_tap" if kind == "card_reader" else f"{kind}.last_scan"
    return check(id, PASS, code, at=stamp(at, now))


def _port_check(kind: str, url: str) -> Check | None:
    """A missing port is the most common fault and the clearest hint: say it first."""
    port = port_of(url)
    if port is None:
        return None
    if Path(port).exists():
        return check(f"{kind}.port", PASS, f"{kind}.port_ok", port=port) if kind == "relay" else None
    return check(f"{kind}.port", FAIL, f"{kind}.port_missing", port=port)


def relay_checks(states: list[RelayState]) -> list[Check]:
    out: list[Check] = []
    for i, st in enumerate(states):
        suffix = str(i) if i else ""
        port = _port_check("relay", st.url)
        if port is not None:
            out.append(_renamed(port, f"relay{suffix}.port"))
            if port.status is FAIL:
                continue
        reason = one_line(st.health.reason)
        board_id = f"relay{suffix}.board"
        if st.health.is_ok:
            out.append(check(board_id, PASS, "relay.ok", url=st.url))
        elif _has(reason, _SILENT):
            out.append(check(board_id, FAIL, "relay.no_answer", reason=reason))
            continue
        else:
            out.append(check(board_id, FAIL, "relay.down", reason=reason))
            if st.read is None:
                continue
        out.extend(_read_back(st, suffix))
    return out


def _renamed(c: Check, id: str) -> Check:
    return Check(id=id, group=c.group, status=c.status, summary=c.summary, hint=c.hint,
                 code=c.code, params=c.params)


def _read_back(st: RelayState, suffix: str) -> list[Check]:
    out: list[Check] = []
    for channel, role in sorted(st.channels.items()):
        id = f"relay{suffix}.channel{channel}"
        if st.read is None:
            continue
        try:
            on = st.read(channel)
        except devices.DeviceError as exc:
            out.append(check(id, FAIL, "relay.channel_unreadable", channel=channel, role=role,
                             reason=one_line(exc)))
            continue
        if on:
            out.append(check(id, WARN, "relay.channel_on", channel=channel, role=role))
        else:
            out.append(check(id, PASS, "relay.channel_off", channel=channel, role=role))
    return out


def printer_checks(st: DeviceState) -> list[Check]:
    if st.url == NOT_CONFIGURED:
        return [check("printer.status", PASS, "printer.not_configured")]
    port = _port_check("printer", st.url)
    if port is not None:
        return [port]
    h, reason = st.health, one_line(st.health.reason)
    if "paper out" in reason:
        return [check("printer.status", FAIL, "printer.paper_out")]
    if "paper low" in reason:
        return [check("printer.status", WARN, "printer.paper_low")]
    if h.state is devices.State.DOWN:
        return [check("printer.status", FAIL, "printer.offline", reason=reason)]
    if h.state is devices.State.DEGRADED:
        return [check("printer.status", WARN, "printer.last_failed",
                      reason=reason.removeprefix("last slip failed: "))]
    return [check("printer.status", PASS, "printer.ok")]


def scanner_checks(st: DeviceState, now: datetime) -> list[Check]:
    if st.url == NOT_CONFIGURED:
        return [check("qr_scanner.status", PASS, "qr_scanner.not_configured")]
    port = _port_check("qr_scanner", st.url)
    if port is not None:
        return [port]
    if not st.health.is_ok:
        return [check("qr_scanner.status", FAIL, "qr_scanner.down",
                      reason=one_line(st.health.reason))]
    return [check("qr_scanner.status", PASS, "qr_scanner.ok", port=port_of(st.url) or st.url),
            _last("qr_scanner.last_scan", st.last_event_at, now, "qr_scanner")]


def id_reader_checks(st: DeviceState) -> list[Check]:
    if st.url == NOT_CONFIGURED:
        return [check("id_reader.status", PASS, "id_reader.not_configured")]
    port = port_of(st.url)
    if port is not None and not Path(port).exists():
        return [check("id_reader.status", FAIL, "id_reader.down",
                      reason=f"port {port} does not exist")]
    reason = one_line(st.health.reason)
    if st.health.is_ok:
        return [check("id_reader.status", PASS, "id_reader.ok")]
    if _has(reason, ("not answering", "bad frames")):
        status = WARN if st.health.state is devices.State.DEGRADED else FAIL
        return [check("id_reader.status", status, "id_reader.silent", reason=reason)]
    return [check("id_reader.status", FAIL, "id_reader.down", reason=reason)]


def device_checks(states: DeviceStates, now: datetime) -> list[Check]:
    return [*card_reader_checks(states.card_reader, now), *relay_checks(states.relays),
            *printer_checks(states.printer), *scanner_checks(states.qr_scanner, now),
            *id_reader_checks(states.id_reader)]
