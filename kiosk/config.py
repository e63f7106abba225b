"""Load and validate the kiosk's TOML config; any unknown key or bad value stops start-up.

Each section is a frozen dataclass; a field's metadata says how to check it. Errors name
the file, the section and the key, so a technician can fix the file from the message.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import devices

DEFAULT_PATH = Path("/etc/lobby-kiosk/kiosk.toml")


class ConfigError(Exception):
    """The config file is missing, unreadable, or has an unknown key or a bad value."""


Check = Callable[[Any], Any]  # returns the normalised value or raises ValueError(reason)


def _str(nonempty: bool = True) -> Check:
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise ValueError(f"must be a string, got {type(v).__name__}")
        if nonempty and not v.strip():
            raise ValueError("must not be empty")
        return v

    return check


def _int(lo: int, hi: int) -> Check:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"must be an integer, got {v!r}")
        if not lo <= v <= hi:
            raise ValueError(f"must be between {lo} and {hi}, got {v}")
        return v

    return check


def _num(lo: float, hi: float) -> Check:
    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"must be a number, got {v!r}")
        if not lo <= v <= hi:
            raise ValueError(f"must be between {lo} and {hi}, got {v}")
        return float(v)

    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"must be true or false, got {v!r}")
    return v


def _choice(*options: str) -> Check:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {v!r}")
        return v

    return check


def _zone(v: Any) -> str:
    _str()(v)
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {v!r}") from None
    return v


def _device(kind: str) -> Check:
    def check(v: Any) -> str:
        _str()(v)
        parsed = devices.parse(v)
        if parsed.scheme not in devices.schemes(kind):
            raise ValueError(
                f"unknown scheme {parsed.scheme!r} for {kind.replace('_', ' ')}; use one of "
                + ", ".join(devices.schemes(kind))
            )
        return v

    return check


def _id_reader(v: Any) -> str:
    """The scheme as for every device key, and the parameters too: opening an ID reader does
    no I/O (the port is opened by start()), so a typo stops start-up instead of the reader."""
    _device("id_reader")(v)
    devices.open_id_reader(v)
    return v


def _notice_version(v: Any) -> str:
    """A privacy-notice version: what the visitor accepted is compared with it as text."""
    _str()(v)
    if len(v) > 32 or not all(c.isascii() and (c.isalnum() or c in ".-_") for c in v):
        raise ValueError(f"must be 1 to 32 letters, digits, '.', '-' or '_', got {v!r}")
    return v


def central_url_problem(v: str) -> str | None:
    """Why `v` is no URL for central, or None. Plain http is for this machine only: the
    token, member names and card UIDs must not cross a network in clear."""
    try:
        parts = urlsplit(v)
        host = parts.hostname or ""
    except ValueError:
        return f"{v!r} is not a URL"
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in v):
        return f"must be a URL like https://central.example:8600, got {v!r}"
    if parts.scheme == "http" and not _is_loopback(host):
        return f"use https:// for a central on another machine ({v!r} would send data in clear)"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(v: Any) -> str:
    _str()(v)
    problem = central_url_problem(v)
    if problem:
        raise ValueError(problem)
    return v.rstrip("/")


def _opt_file(v: Any) -> str:
    """"" = not set; otherwise a file that must exist now, not at the first TLS handshake."""
    _str(nonempty=False)(v)
    if v and not Path(v).is_file():
        raise ValueError(f"no such file {v!r}")
    return v


def _channels(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v:
        raise ValueError("must be a non-empty list of relay channel numbers")
    out = tuple(_int(0, 255)(c) for c in v)
    if len(set(out)) != len(out):
        raise ValueError("lists a channel twice")
    return out


def _labels(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list):
        raise ValueError("must be a list of locker labels")
    return tuple(_str()(s) for s in v)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(s: str) -> time:
    # "24:00" closes at midnight; the domain reads (t, t) as 24 hours and end <= start as
    # running past midnight, so it maps to 00:00.
    if s == "24:00":
        return time(0, 0)
    if len(s) != 5 or s[2] != ":":
        raise ValueError(f"{s!r} is not a time HH:MM")
    try:
        return time.fromisoformat(s)
    except ValueError:
        raise ValueError(f"{s!r} is not a time HH:MM") from None


def _hours(v: Any) -> tuple[tuple[int, tuple[tuple[time, time], ...]], ...]:
    """{mon = "06:00-22:00", sat = ["08:00-12:00", "14:00-20:00"]} -> ((0, ((06:00, 22:00),)), ...)."""
    if not isinstance(v, dict):
        raise ValueError('must be a table like { mon = "06:00-22:00", sat = ["08:00-12:00", '
                         '"14:00-20:00"] } (a weekday left out is closed)')
    out = []
    for key, spans in v.items():
        if key not in _WEEKDAYS:
            raise ValueError(f"unknown weekday {key!r}; use {', '.join(_WEEKDAYS)}")
        items = spans if isinstance(spans, list) else [spans]
        intervals = []
        for item in items:
            if not isinstance(item, str) or item.count("-") != 1:
                raise ValueError(f"{key}: {item!r} is not an interval like \"06:00-22:00\"")
            a, b = (x.strip() for x in item.split("-"))
            try:
                intervals.append((_clock(a), _clock(b)))
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        out.append((_WEEKDAYS.index(key), tuple(intervals)))
    return tuple(sorted(out))


def _dates(v: Any) -> tuple[date, ...]:
    if not isinstance(v, list):
        raise ValueError('must be a list of dates like ["2026-10-01", 2026-10-02]')
    out: list[date] = []
    for item in v:
        bad = ValueError(f"{item!r} is not a date YYYY-MM-DD")
        if isinstance(item, str):
            if len(item) != 10:
                raise bad
            try:
                item = date.fromisoformat(item)
            except ValueError:
                raise bad from None
        elif isinstance(item, datetime) or not isinstance(item, date):
            raise bad
        out.append(item)
    return tuple(sorted(set(out)))


def opt(check: Check, default: Any = MISSING, doc: str = "") -> Any:
    if default is MISSING:
        return field(metadata={"check": check, "doc": doc})
    return field(default=default, metadata={"check": check, "doc": doc})


@dataclass(frozen=True)
class KioskSection:
    name: str = opt(_str(), "Lobby kiosk", "shown on screen and in the console")
    data_dir: str = opt(_str(), "/var/lib/lobby-kiosk", "local database, token, logs")
    facility: str = opt(_str(), "gym", "the facility this entrance admits to")
    language: str = opt(_choice("zh_CN", "en"), "zh_CN", "screen language")
    timezone: str = opt(_zone, "Asia/Shanghai", "zone for opening hours and validity dates")
    direction: str = opt(_choice("entry", "exit"), "entry", "what a tap on this reader means")


@dataclass(frozen=True)
class DevicesSection:
    card_reader: str = opt(_device("card_reader"), "pcsc://", "pcsc://?reader=NAME | sim://")
    relay: str = opt(_device("relay"), "sim://", "modbus-rtu://PORT?unit=1 | lcus://PORT | sim://")
    printer: str = opt(_device("printer"), "none", "escpos-serial/usb/net/file:// | sim:// | none")
    qr_scanner: str = opt(_device("scanner"), "none", "serial://PORT | sim:// | none")
    id_reader: str = opt(_id_reader, "none", "idcard-serial://PORT?baudrate=115200 | sim:// | none")


@dataclass(frozen=True)
class GateSection:
    relay_channel: int = opt(_int(0, 255), 0, "turnstile relay channel")
    pulse_ms: int = opt(_int(50, 10_000), 400, "how long the turnstile relay closes")


@dataclass(frozen=True)
class AccessSection:
    anti_passback_s: int = opt(_int(0, 86_400), 120, "same card again within this is refused")
    track_exits: bool = opt(_bool, False, "refuse entry while a member is recorded inside")
    stale_after_h: float = opt(_num(0, 24 * 365), 72.0, "member list age before stale_action")
    stale_action: str = opt(_choice("deny", "allow"), "deny", "what to do once data is stale")
    # Standalone installs set the facility's rule here; when none of the three is set the
    # rule comes from the central service (or there is none: always open, no limit).
    opening_hours: tuple = opt(_hours, (), "weekday -> HH:MM-HH:MM interval(s); unset = 24 h")
    closed_days: tuple = opt(_dates, (), "dates the facility is closed")
    capacity: int = opt(_int(0, 100_000), 0, "people allowed inside at once; 0 = no limit")


@dataclass(frozen=True)
class LockersSection:
    channels: tuple[int, ...] = opt(_channels, (), "relay channels, one per locker")
    labels: tuple[str, ...] = opt(_labels, (), "locker numbers shown to members")
    relay: str = opt(_device("relay"), "", "a separate relay board (default: the gate's)")
    pulse_ms: int = opt(_int(50, 10_000), 300, "how long a locker relay closes")
    grace_minutes: int = opt(_int(0, 24 * 60), 60, "after expiry a member may still open it")


@dataclass(frozen=True)
class CentralSection:
    url: str = opt(_url, "http://127.0.0.1:8600", "central service base URL")
    ca_bundle: str = opt(_opt_file, "", "CA bundle for TLS verification (default: system)")
    connect_timeout_s: float = opt(_num(0.1, 60), 5.0, "")
    read_timeout_s: float = opt(_num(0.1, 120), 40.0, "longer than the 30 s long-poll")


@dataclass(frozen=True)
class VisitorsSection:
    approval_wait_s: int = opt(_int(5, 3600), 120, "how long a visitor waits for reception's decision")
    retention_days: int = opt(_int(1, 3650), 30, "local visitor rows are purged this long after the visit")
    privacy_notice_version: str = opt(_notice_version, "1", "the notice a visitor must accept")


def _window_size(v: Any) -> str:
    """"WIDTHxHEIGHT" in pixels, e.g. "1280x800"."""
    _str()(v)
    w, sep, h = v.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or not w.isascii() or not h.isascii():
        raise ValueError(f'must be WIDTHxHEIGHT like "1280x800", got {v!r}')
    if not (240 <= int(w) <= 7680 and 240 <= int(h) <= 7680):
        raise ValueError(f"each side must be between 240 and 7680 pixels, got {v!r}")
    return f"{int(w)}x{int(h)}"


def _rotation(v: Any) -> int:
    if isinstance(v, bool) or v not in (0, 90, 180, 270):
        raise ValueError(f"must be 0, 90, 180 or 270, got {v!r}")
    return int(v)


@dataclass(frozen=True)
class UiSection:
    fullscreen: bool = opt(_bool, True, "fill the whole screen, no window frame")
    size: str = opt(_window_size, "1280x800", "window size WIDTHxHEIGHT when not fullscreen")
    rotation: int = opt(_rotation, 0, "turn the picture 0, 90, 180 or 270 degrees (portrait)")
    idle_form_s: int = opt(_int(5, 600), 30, "back to Home, entries wiped, after this idle on a form")
    idle_result_s: int = opt(_int(1, 120), 5, "back to Home after a result is shown this long")


@dataclass(frozen=True)
class LogSection:
    level: str = opt(_choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", "")


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    devices: DevicesSection = field(default_factory=DevicesSection)
    gate: GateSection = field(default_factory=GateSection)
    access: AccessSection = field(default_factory=AccessSection)
    lockers: LockersSection = field(default_factory=LockersSection)
    central: CentralSection = field(default_factory=CentralSection)
    visitors: VisitorsSection = field(default_factory=VisitorsSection)
    ui: UiSection = field(default_factory=UiSection)
    log: LogSection = field(default_factory=LogSection)
    path: str = ""

    @property
    def data_path(self) -> Path:
        return Path(self.kiosk.data_dir)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.kiosk.timezone)


_SECTIONS = {f.name: f.default_factory for f in fields(Config) if f.name != "path"}


def _build_section(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a table [section]")
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        f = known.get(key)
        if f is None:
            raise ConfigError(
                f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})"
            )
        try:
            values[key] = f.metadata["check"](raw)
        except (ValueError, devices.DeviceConfigError) as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
    return cls(**values)


def from_dict(data: dict[str, Any], path: str = "<config>") -> Config:
    sections: dict[str, Any] = {}
    for name, raw in data.items():
        factory = _SECTIONS.get(name)
        if factory is None:
            raise ConfigError(
                f"{path}: unknown section [{name}] (known: {', '.join(sorted(_SECTIONS))})"
            )
        sections[name] = _build_section(factory, raw, f"{path}: [{name}]")
    cfg = Config(**sections, path=path)
    lk = cfg.lockers
    if lk.labels and len(lk.labels) != len(lk.channels):
        raise ConfigError(f"{path}: [lockers] labels: has {len(lk.labels)} entries "
                          f"but channels has {len(lk.channels)}")
    if not lk.relay and cfg.gate.relay_channel in lk.channels:
        raise ConfigError(f"{path}: [lockers] channels: channel {cfg.gate.relay_channel} "
                          "is the gate's relay_channel")
    return cfg


def resolve_path(cli_path: str | None) -> Path:
    if cli_path:
        return Path(cli_path)
    env = os.environ.get("KIOSK_CONFIG")
    return Path(env) if env else DEFAULT_PATH


def load(cli_path: str | None = None) -> Config:
    path = resolve_path(cli_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (use --config or $KIOSK_CONFIG)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return from_dict(data, str(path))


def describe() -> str:
    """The configuration reference, generated from the schema (used by the README test)."""
    lines = []
    for name, factory in _SECTIONS.items():
        lines.append(f"[{name}]")
        for f in fields(factory):
            default = f.default if f.default is not MISSING else ""
            lines.append(f"  {f.name} = {default!r}  # {f.metadata['doc']}".rstrip(" #"))
    return "\n".join(lines)
