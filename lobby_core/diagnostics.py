"""The shape of a diagnostics report, shared by the kiosk that makes it and central that shows it.

A report is a list of checks. Each check has a stable `id` ("relay.board"), the `group` it
belongs to (a device, or central, storage, sync, versions, config), a status, and a one-line
`summary` and `hint` in English. `code` names the message (for example "relay.no_answer")
so the console can show it translated; `params` fills the placeholders of the translated text
and never holds personal data. The kiosk sends the whole report with its heartbeat; the
console lists every check of every configured device from it.

JSON (`Report.to_json`), stable across versions: unknown keys are ignored when read, so an
older central reads a newer kiosk's report.

    {"status": "pass|warn|fail", "at": "2026-12-01T07:00:00+00:00", "running": true,
     "checks": [{"id": "...", "group": "...", "status": "...", "code": "...",
                 "summary": "...", "hint": "...", "params": {"k": "v"}}]}
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_CHECKS = 100
MAX_TEXT = 300
MAX_PARAMS = 10


class DiagError(ValueError):
    """A report that does not have the shape above."""


class Status(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def exit_code(self) -> int:
        """`kiosk diag`'s exit status: 0 pass, 1 warn, 2 fail."""
        return _RANK[self]


_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=lambda s: s.rank, default=Status.PASS)


@dataclass(frozen=True)
class Check:
    id: str
    group: str
    status: Status
    summary: str
    hint: str = ""
    code: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "status": self.status.value,
                "code": self.code, "summary": self.summary, "hint": self.hint,
                "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Any) -> Check:
        if not isinstance(data, dict):
            raise DiagError("a check is not an object")
        try:
            status = Status(data.get("status"))
        except ValueError:
            raise DiagError(f"unknown check status {str(data.get('status'))[:20]!r}") from None
        params = data.get("params") or {}
        if not isinstance(params, dict) or len(params) > MAX_PARAMS:
            raise DiagError("check params must be an object of at most 10 entries")
        return cls(id=_text(data, "id", required=True), group=_text(data, "group", required=True),
                   status=status, summary=_text(data, "summary"), hint=_text(data, "hint"),
                   code=_text(data, "code"),
                   params={str(k)[:40]: str(v)[:MAX_TEXT] for k, v in params.items()})


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DiagError(f"check {key} must be text")
    if required and not value:
        raise DiagError(f"check {key} is missing")
    return value[:MAX_TEXT]


@dataclass(frozen=True)
class Report:
    checks: list[Check]
    at: datetime
    running: bool = True  # taken from the running kiosk (else diag opened the devices itself)

    @property
    def status(self) -> Status:
        return worst([c.status for c in self.checks])

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "at": self.at.isoformat(timespec="seconds"),
                "running": self.running, "checks": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, data: Any) -> Report:
        if not isinstance(data, dict):
            raise DiagError("a report is not an object")
        checks = data.get("checks")
        if not isinstance(checks, list) or len(checks) > MAX_CHECKS:
            raise DiagError(f"a report has a list of at most {MAX_CHECKS} checks")
        try:
            at = datetime.fromisoformat(str(data.get("at")))
        except ValueError:
            raise DiagError("report time is not an ISO 8601 time") from None
        if at.tzinfo is None:
            raise DiagError("report time has no UTC offset")
        return cls(checks=[Check.from_json(c) for c in checks], at=at,
                   running=bool(data.get("running", True)))
