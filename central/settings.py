"""Resolve where the central service keeps its data and how long it keeps it.

Precedence for every command: an explicit flag, else an environment variable, else the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path

from lobby_core.facilities import facility_code
from lobby_core.passes.facilities import DEFAULT_FACILITIES

DEFAULT_DATA_DIR = Path("/var/lib/lobby-central")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8600


class SettingsError(Exception):
    """An environment variable or flag has a value the service cannot use."""


def _env_seconds(name: str, default: timedelta) -> timedelta:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"${name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 10 * 365 * 86400:
        raise SettingsError(f"${name} must be between 0 and ten years in seconds, got {raw!r}")
    return timedelta(seconds=value)


def _env_facilities(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Facility codes written a|b (as in the members CSV), each one a visitor pass can name."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    codes: list[str] = []
    for part in raw.split("|"):
        try:
            code = facility_code(part)
        except ValueError as exc:
            raise SettingsError(f"${name}: {part.strip()[:40]!r} {exc}") from None
        if code not in DEFAULT_FACILITIES.names:
            raise SettingsError(f"${name}: {code!r} is not a facility a pass can name "
                                f"({', '.join(DEFAULT_FACILITIES.names)})")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _env_clock(name: str, default: time) -> time:
    """A local time of day written HH:MM (24-hour), e.g. 23:59."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        hours, minutes = raw.split(":")
        if len(hours) > 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise SettingsError(f"${name} must be a local time of day as HH:MM (e.g. 23:59), "
                            f"got {raw!r}") from None


def default_keys_dir(data_dir: Path) -> Path:
    """Beside the data directory, not in it (/var/lib/lobby-central -> /var/lib/lobby-central-keys):
    a backup or copy of the data must not carry the key that decrypts it."""
    return data_dir.parent / f"{data_dir.name or 'central'}-keys"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    # Where data.key and id-hash.key live (see secrets_store); None: default_keys_dir(data_dir).
    keys_dir_override: Path | None = None
    # A visitor waiting at the kiosk is told to see reception after this long without a decision.
    pending_ttl: timedelta = timedelta(minutes=10)
    # Visitors' personal fields are purged this long after their visit ends.
    retention: timedelta = timedelta(days=30)
    # Deleted members stay as tombstones in the feed this long; older cursors must resync fully.
    tombstone_retention: timedelta = timedelta(days=90)
    # Default validity of a visitor pass from its approval.
    pass_validity: timedelta = timedelta(hours=4)
    # Facilities a visitor pass admits to unless the receptionist says otherwise.
    visitor_facilities: tuple[str, ...] = ("lobby",)
    # A signing key signs passes for this long before a fresh one takes over.
    key_rotation: timedelta = timedelta(days=30)
    # How often the serve process runs its housekeeping (expiry) and retention jobs.
    housekeeping_interval: timedelta = timedelta(seconds=5)
    retention_interval: timedelta = timedelta(hours=1)
    # Longest a long-poll is held whatever `wait` asks (a proxy with a shorter timeout needs less).
    longpoll_cap: float = 30.0
    # Safety net while a long-poll waits: re-read even without a wake-up (a write by another
    # process on SQLite, a LISTEN connection that dropped). Wake-ups are the fast path.
    longpoll_recheck: float = 5.0
    # Visitors still on site at this local time (the console's zone) are checked out by the
    # housekeeping job and marked so (签离); $CENTRAL_AUTO_CHECKOUT_AT as HH:MM.
    auto_checkout_at: time = time(23, 59)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def keys_dir(self) -> Path:
        return self.keys_dir_override or default_keys_dir(self.data_dir)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def resolve(
    database_url: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    keys_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Build settings from flags (may be None) and the environment."""
    dir_path = Path(data_dir or os.environ.get("CENTRAL_DATA_DIR") or DEFAULT_DATA_DIR)
    keys_raw = keys_dir or os.environ.get("CENTRAL_KEYS_DIR") or None
    url = database_url or os.environ.get("CENTRAL_DATABASE_URL") or f"sqlite:///{dir_path / 'central.db'}"
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise SettingsError(
            f"unsupported database URL scheme in {url.split(':', 1)[0]!r}: "
            "use sqlite:///PATH or postgresql+psycopg://..."
        )
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # Plain postgresql:// would make SQLAlchemy look for psycopg2; we ship psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return Settings(
        database_url=url,
        data_dir=dir_path,
        keys_dir_override=Path(keys_raw) if keys_raw else None,
        pending_ttl=_env_seconds("CENTRAL_PENDING_TTL_S", timedelta(minutes=10)),
        retention=_env_seconds("CENTRAL_RETENTION_S", timedelta(days=30)),
        pass_validity=_env_seconds("CENTRAL_PASS_VALIDITY_S", timedelta(hours=4)),
        auto_checkout_at=_env_clock("CENTRAL_AUTO_CHECKOUT_AT", time(23, 59)),
        # Which facilities a visitor's pass opens: the lobby's turnstile unless the site says more.
        visitor_facilities=_env_facilities("CENTRAL_VISITOR_FACILITIES", ("lobby",)),
    )
