"""Remote diagnostics on the kiosk's side of sync: the diagnostics report the heartbeat carries
(bounded in size), and the requests a technician sends from the console (pulse the gate, print a
test slip, send a bundle), run once each and answered with ok/failed and one line.

A request runs at most once: the updates cursor that delivered it is committed before it runs,
and one that reaches the kiosk after its `expires_at` (central's clock) is refused, so a kiosk
that comes back online late never opens the gate for a request made minutes ago.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from backend_client import errors, wire
from backend_client.api import CentralAPI
from lobby_core.diagnostics import Check, Status

log = logging.getLogger(__name__)

DIAG_MAX_BYTES = 64 << 10  # the report in a heartbeat; central refuses bodies over 1 MiB
BUNDLE_MAX_BYTES = 8 << 20  # central.services.remote.MAX_BUNDLE
DiagReport = Callable[[], dict[str, Any]]
_RANK = {"fail": 0, "warn": 1, "pass": 2}


class RemoteActions(Protocol):
    """What the console may ask a running kiosk to do (Kiosk.remote_actions implements it).
    A test returns one line for the console (it went well) or the diagnostics Check it made
    (failed when the check fails), or raises with a message that says what went wrong."""

    def pulse_gate(self, requested_by: str) -> str | Check: ...

    def print_test(self, requested_by: str) -> str | Check: ...

    def bundle(self) -> bytes:
        """A tar.gz of the report and logs (no personal data), at most BUNDLE_MAX_BYTES."""
        ...


def bounded_report(report: dict[str, Any], limit: int = DIAG_MAX_BYTES) -> dict[str, Any]:
    """`report` as it fits in `limit` bytes of JSON: when too big, failing checks are kept
    first, then warnings, then passes, in their order, and a note check says how many were left
    out (the console shows what matters; the kiosk's own `kiosk diag` has the rest)."""
    if len(json.dumps(report, ensure_ascii=False).encode()) <= limit:
        return report
    checks = [c for c in report.get("checks", []) if isinstance(c, dict)]
    ranked = sorted(range(len(checks)), key=lambda i: (_RANK.get(str(checks[i].get("status")), 0), i))
    base = {**report, "checks": []}
    size = len(json.dumps(base, ensure_ascii=False).encode()) + 400  # room for the note
    kept: list[int] = []
    for i in ranked:
        n = len(json.dumps(checks[i], ensure_ascii=False).encode()) + 2
        if size + n > limit:
            continue
        size += n
        kept.append(i)
    left_out = len(checks) - len(kept)
    note = {"id": "diag.truncated", "group": "sync", "status": "warn", "code": "diag.truncated",
            "summary": f"{left_out} checks left out of the report sent to central (too large)",
            "hint": "run `kiosk diag` on the kiosk for the whole report",
            "params": {"count": str(left_out)}}
    return {**base, "checks": [checks[i] for i in sorted(kept)] + [note]}


def one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit] or "no detail"


def _outcome(result: str | Check) -> tuple[bool, str]:
    if isinstance(result, Check):
        return result.status is not Status.FAIL, one_line(result.summary)
    return True, one_line(result)


class ActionRunner:
    """Runs the requests of one updates page and answers central about each."""

    def __init__(self, api: CentralAPI, actions: RemoteActions | None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.api = api
        self.actions = actions
        self.now = now

    def central_now(self) -> datetime:
        """Central's time as far as we know: our clock less the skew the last answer showed."""
        skew = self.api.clock_skew_s or 0.0
        return self.now() - timedelta(seconds=skew)

    def run(self, req: wire.ActionUpdate) -> tuple[bool, str]:
        """Run one request and report it; returns what was reported."""
        ok, detail = self._execute(req)
        if detail is None:  # the bundle upload answered the request itself
            log.info("sync: remote request %d (%s, asked by %s): bundle sent", req.id, req.action,
                     req.requested_by)
            return True, "bundle sent"
        log.info("sync: remote request %d (%s, asked by %s): %s: %s", req.id, req.action,
                 req.requested_by, "ok" if ok else "failed", detail)
        try:
            self.api.action_result(req.id, ok, detail)
        except errors.CentralError as exc:
            # The console shows "no answer" once the request is old; the gate is not pulsed again.
            log.warning("sync: could not tell central how remote request %d went: %s", req.id, exc)
        return ok, detail

    def _execute(self, req: wire.ActionUpdate) -> tuple[bool, str | None]:
        if self.actions is None:
            return False, "this kiosk process does not take remote requests (is `kiosk run` running?)"
        late = self.central_now() - req.expires_at
        if late > timedelta(0):
            return False, f"reached the kiosk {int(late.total_seconds())} s after it expired; not run"
        try:
            if req.action == "pulse":
                return _outcome(self.actions.pulse_gate(req.requested_by))
            if req.action == "print_test":
                return _outcome(self.actions.print_test(req.requested_by))
            if req.action == "bundle":
                return self._bundle(req)
        except Exception as exc:  # a device's or a bug's: the console says what, sync goes on
            log.warning("sync: remote request %d (%s) failed", req.id, req.action, exc_info=True)
            return False, one_line(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
        return False, f"unknown request {req.action[:32]!r} (a newer central?)"

    def _bundle(self, req: wire.ActionUpdate) -> tuple[bool, str | None]:
        assert self.actions is not None
        data = self.actions.bundle()
        if len(data) > BUNDLE_MAX_BYTES:
            return False, f"bundle too large to send ({len(data) // 2**20} MiB)"
        try:
            self.api.upload_bundle(req.id, data)
        except errors.CentralError as exc:
            return False, one_line(f"bundle upload failed: {exc}")
        return True, None
