"""The sync status a person can read: state, last success, backlog, last error in one line.

The sync worker (and `kiosk sync --once`) keep it in `data_dir/sync-status.json`, replaced
atomically, so the screen, `kiosk diag` and a technician's `cat` all see the same thing even
when the kiosk process is not running. `read(data_dir)` is the one call for readers. This
module knows nothing of the kiosk's database: whoever writes or reads a backlog figure
counted it themselves and passes it in.

States:
  never           no sync attempted yet
  ok              the last cycle reached central and finished
  error           central unreachable, slow, failing or answering nonsense; retrying with backoff
  not_enrolled    no token yet: run `kiosk enroll URL CODE`
  not_authorised  central refused the token (revoked); no retries until re-enrolled
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import CentralError, NotAuthorised
from .token_store import TokenStore

STATUS_FILE = "sync-status.json"
STATES = ("never", "ok", "error", "not_enrolled", "not_authorised")
MAX_ERROR = 200


@dataclass(frozen=True)
class SyncStatus:
    state: str = "never"
    last_success_at: str | None = None
    last_attempt_at: str | None = None
    last_error: str | None = None  # one line, no personal data (our own error messages)
    last_error_kind: str | None = None
    consecutive_failures: int = 0
    next_retry_at: str | None = None
    backlog: int = 0  # access events central has not acknowledged, as the caller last counted
    members_as_of: str | None = None
    clock_skew_s: float | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_ERROR else line[: MAX_ERROR - 1] + "…"


class StatusBook:
    """The writer's side: thread-safe, every change rewritten to the status file."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / STATUS_FILE
        self._lock = threading.Lock()
        self._status = _load(self.path) or SyncStatus()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _set(self, **changes: Any) -> SyncStatus:
        with self._lock:
            new = replace(self._status, **changes)
            if new != self._status:
                self._status = new
                _write(self.path, new)
            return new

    def attempt(self) -> None:
        self._set(last_attempt_at=_now(), next_retry_at=None)

    def success(self, *, backlog: int, members_as_of: datetime | None,
                clock_skew_s: float | None) -> None:
        self._set(state="ok", last_success_at=_now(), consecutive_failures=0, next_retry_at=None,
                  backlog=backlog, clock_skew_s=clock_skew_s,
                  members_as_of=members_as_of.isoformat(timespec="seconds") if members_as_of
                  else self._status.members_as_of)

    def failure(self, exc: BaseException, *, retry_in_s: float | None = None) -> None:
        if isinstance(exc, NotAuthorised):
            state, kind = "not_authorised", exc.kind
        elif isinstance(exc, CentralError):
            state, kind = "error", exc.kind
        else:
            state, kind = "error", "internal"
        retry = None
        if retry_in_s is not None and state == "error":
            retry = datetime.fromtimestamp(datetime.now(UTC).timestamp() + retry_in_s, UTC)
        self._set(state=state, last_error=one_line(str(exc) or type(exc).__name__),
                  last_error_kind=kind,
                  consecutive_failures=self._status.consecutive_failures + 1,
                  next_retry_at=retry.isoformat(timespec="seconds") if retry else None)

    def not_enrolled(self) -> None:
        self._set(state="not_enrolled", last_error="kiosk not enrolled: run `kiosk enroll URL CODE`",
                  last_error_kind="not_enrolled", next_retry_at=None)

    def set_backlog(self, backlog: int) -> None:
        self._set(backlog=backlog)


def _load(path: Path) -> SyncStatus | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("state") not in STATES:
        return None
    known = SyncStatus.__dataclass_fields__
    try:
        return SyncStatus(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None


def _write(path: Path, status: SyncStatus) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(asdict(status), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # readers see the old or the new file, never half of one
    except OSError:
        pass  # status is advisory: a full disk must not stop syncing


def read(data_dir: Path | str, *, backlog: int | None = None) -> dict[str, Any]:
    """The sync status for the UI and `kiosk diag`: the status file, plus whether a token is
    present. Works whether or not the kiosk is running. `backlog`, when the caller could count
    it just now (kiosk.store's Tx.backlog), replaces the file's last recorded figure."""
    data_dir = Path(data_dir)
    status = _load(data_dir / STATUS_FILE) or SyncStatus()
    enrolled = TokenStore(data_dir).load() is not None
    if not enrolled and status.state != "not_authorised":
        status = replace(status, state="not_enrolled")
    out = asdict(status)
    out["enrolled"] = enrolled
    if backlog is not None:
        out["backlog"] = backlog
    return out


def summary(status: dict[str, Any]) -> str:
    """One line for a status bar or a log: 'ok, last 10:02:03, backlog 0'."""
    state = status.get("state", "never")
    parts = [{"not_authorised": "kiosk not authorised", "not_enrolled": "not enrolled"}.get(
        state, state)]
    if status.get("last_success_at"):
        parts.append(f"last success {status['last_success_at']}")
    parts.append(f"backlog {status.get('backlog', 0)}")
    if state != "ok" and status.get("last_error"):
        parts.append(str(status["last_error"]))
    return ", ".join(parts)
