"""What the console's kiosk page shows of a kiosk's health: every device a kiosk can have, each
with its checks from the last diagnostics report (lobby_core.diagnostics), translated by code,
falling back to the heartbeat's device state when a report has no check for it. A kiosk is red
when any check fails or its heartbeat is late."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lobby_core.diag_codes import CODES
from lobby_core.diagnostics import DiagError, Report, Status

from ..services.kiosks import KioskStatus
from . import i18n

# Every device a kiosk has or may have, in the order a technician walks the lobby.
DEVICES: dict[str, str] = {
    "card_reader": "Card reader",
    "relay": "Gate relay",
    "printer": "Slip printer",
    "qr_scanner": "QR scanner",
    "id_reader": "ID card reader",
}
# Other groups a report may have; a group not named here shows under its own name.
GROUPS: dict[str, str] = {
    "kiosk": "Kiosk program",
    "action": "Live tests",
    "central": "Central service",
    "sync": "Sync",
    "storage": "Storage",
    "clock": "Clock",
    "network": "Network",
    "versions": "Versions",
    "config": "Configuration",
}
STATUS_LABELS: dict[str, str] = {"pass": "passed", "warn": "warning", "fail": "failed",
                                 "none": "not configured", "unknown": "no report"}
ACTION_LABELS: dict[str, str] = {"pulse": "Pulse the gate", "print_test": "Print a test slip",
                                 "bundle": "Send a diagnostics bundle"}
ACTION_STATES: dict[str, str] = {"waiting": "waiting for the kiosk", "ok": "done", "failed": "failed",
                                 "no_answer": "no answer"}
NOTICES: dict[str, str] = {
    "asked": "Sent to the kiosk; its answer appears below within seconds.",
    "waiting": "The same request is still waiting for the kiosk's answer.",
    "unreachable": "This kiosk is not enrolled; it cannot be reached.",
}
# The heartbeat's device states, as a check status.
_HEALTH = {"ok": Status.PASS, "degraded": Status.WARN, "down": Status.FAIL}
NOT_CONFIGURED = "not configured"  # what the kiosk's health says of a device it does not have
# Message ids built at run time (central.console.messages lists them for the translation test).
DYNAMIC_IDS: tuple[str, ...] = (*DEVICES.values(), *GROUPS.values(), *STATUS_LABELS.values(),
                                *ACTION_LABELS.values(), *ACTION_STATES.values(),
                                *NOTICES.values(),
                                *sorted({t for pair in CODES.values() for t in pair if t}))


@dataclass(frozen=True)
class CheckRow:
    status: str  # pass | warn | fail | none
    summary: str
    hint: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    status: str  # pass | warn | fail | none (not configured) | unknown (nothing reported)
    checks: list[CheckRow] = field(default_factory=list)


@dataclass(frozen=True)
class KioskHealth:
    sections: list[Section]
    report_at: datetime | None
    problem: str = ""  # why the stored report could not be read

    def failing(self) -> bool:
        return any(s.status == "fail" for s in self.sections)


def _fill(template: str, params: dict[str, str]) -> str | None:
    """`template` with its {placeholders} from params; None if it names one params lacks."""
    names = {n for _t, n, _f, _c in string.Formatter().parse(template) if n}
    if not names <= params.keys():
        return None
    try:
        return template.format(**{k: params[k] for k in names})
    except (ValueError, IndexError, KeyError):
        return None


def describe(code: str, summary: str, hint: str, params: dict[str, str],
             _: i18n.Translator) -> tuple[str, str]:
    """(summary, hint) in the viewer's language: the code's translated templates filled with the
    check's params; a code the console does not know keeps the kiosk's English."""
    templates = CODES.get(code)
    if templates is None:
        return summary, hint
    out = []
    for template, english in zip(templates, (summary, hint), strict=True):
        text = _fill(_(template), params) if template else None
        out.append(text if text is not None else english)
    return out[0], out[1]


def _rows(checks: list[Any], _: i18n.Translator) -> list[CheckRow]:
    rows = []
    for c in checks:
        summary, hint = describe(c.code, c.summary, c.hint, c.params, _)
        # A device the kiosk has none of passes its check, but is shown as "not configured".
        status = "none" if c.code.endswith(".not_configured") else c.status.value
        rows.append(CheckRow(status, summary, hint))
    return rows


def _worst(rows: list[CheckRow]) -> str:
    order = {"fail": 3, "warn": 2, "pass": 1, "none": 0}
    return max((r.status for r in rows), key=lambda s: order.get(s, 0), default="unknown")


def health(k: KioskStatus, _: i18n.Translator) -> KioskHealth:
    """The kiosk's devices (all five, always) and the report's other groups, each with checks."""
    report: Report | None = None
    problem = ""
    if k.diag:
        try:
            report = Report.from_json(k.diag)
        except DiagError as exc:  # stored by an older central, or damaged: say so, show the rest
            problem = str(exc)
    by_group: dict[str, list[Any]] = {}
    for c in report.checks if report else []:
        by_group.setdefault(c.group, []).append(c)
    beats = {str(d.get("name", "")): d for d in k.health if isinstance(d, dict)}
    sections = []
    for key, label in DEVICES.items():
        rows = _rows(by_group.pop(key, []), _)
        beat = beats.get(key)
        if not rows and beat is not None:
            reason = str(beat.get("reason", ""))
            state = _HEALTH.get(str(beat.get("state")), Status.FAIL).value
            if reason == NOT_CONFIGURED:
                rows = [CheckRow("none", _(NOT_CONFIGURED))]
            else:
                rows = [CheckRow(state, reason or _(STATUS_LABELS[state]))]
        status = _worst(rows)
        if rows and all(r.status == "none" for r in rows):
            status = "none"
        sections.append(Section(key, _(label), status, rows))
    for group, checks in by_group.items():
        rows = _rows(checks, _)
        sections.append(Section(group, _(GROUPS[group]) if group in GROUPS else group, _worst(rows), rows))
    # Devices the heartbeat names beyond the five (a separate locker relay board) and the report
    # does not: by their own name.
    for name, beat in beats.items():
        if name in DEVICES or name in GROUPS or any(s.key == name for s in sections) or not name:
            continue
        state = _HEALTH.get(str(beat.get("state")), Status.FAIL).value
        reason = str(beat.get("reason", ""))
        sections.append(Section(name, name, state, [CheckRow(state, reason or _(STATUS_LABELS[state]))]))
    return KioskHealth(sections, report.at if report else None, problem)
