"""Diagnostics for a technician at the kiosk: every check with its status, refreshed live,
the live tests (pulse the gate, print a test slip), and the last card read.

With the kiosk's full report (`Kiosk.diagnose() -> lobby_core.diagnostics.Report`) each
check is listed as `kiosk diag` lists it; a build without it shows each device's health.
A check's summary and hint are English by contract (lobby_core.diagnostics); the screen's
own words are translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.ui.i18n import N_, Translate
from kiosk.ui.ports import EntranceResultLike, HealthLike
from kiosk.ui.presenters.out_of_service import DEVICE_NAMES
from lobby_core.diagnostics import Check, Report, Status

LOCKER_RELAY = N_("locker relay board")
HEALTH_STATUS = {"ok": Status.PASS, "degraded": Status.WARN, "down": Status.FAIL}
STATUS_TEXT = {Status.PASS: N_("Pass"), Status.WARN: N_("Warning"), Status.FAIL: N_("Fail")}
# The live tests a technician can run here, in the order shown: (action name, button text).
ACTIONS = (("pulse_gate", N_("Open the gate once")), ("print_test", N_("Print a test slip")))


@dataclass(frozen=True)
class Row:
    name: str
    status: Status
    summary: str
    hint: str = ""


def rows_from_report(report: Report) -> list[Row]:
    order = {Status.FAIL: 0, Status.WARN: 1, Status.PASS: 2}
    checks = sorted(report.checks, key=lambda c: (order[c.status], c.group, c.id))
    return [Row(c.id, c.status, c.summary, c.hint) for c in checks]


def rows_from_health(health: Mapping[str, HealthLike], _: Translate) -> list[Row]:
    rows = []
    for name, h in health.items():
        state = str(getattr(h, "state", "ok"))
        if name in DEVICE_NAMES:
            label = _(DEVICE_NAMES[name])
        elif name.startswith("locker_relay"):  # locker_relay, locker_relay1, ... (extra boards)
            label = f"{_(LOCKER_RELAY)} {name.removeprefix('locker_relay')}".strip()
        else:
            label = name
        rows.append(Row(label, HEALTH_STATUS.get(state, Status.WARN), h.reason))
    return rows


@dataclass(frozen=True)
class DiagnosticsView:
    title: str
    overall: str
    rows: list[tuple[str, str, str, bool]]  # (status text, name, summary + hint, not passing)
    actions: list[tuple[str, str]]  # (action name, button text) this build can run
    action_result: str
    last_tap: str


class DiagnosticsPresenter:
    def __init__(self, kiosk: Any) -> None:
        self.kiosk = kiosk
        self.rows: list[Row] = []
        self.action_result = ""
        self._action_key = ""
        self.last_tap: EntranceResultLike | None = None
        self.busy = False
        self.technician = ""  # who entered with their PIN: a live test is logged with it

    def fetch(self, _: Translate) -> Callable[[], list[Row]]:
        """The refresh to run off the UI thread: the full report, else device health."""
        diagnose = getattr(self.kiosk, "diagnose", None)
        if callable(diagnose):
            return lambda: rows_from_report(diagnose())
        return lambda: rows_from_health(self.kiosk.health(), _)

    def fetched(self, rows: list[Row]) -> None:
        self.rows = rows

    def available_actions(self) -> list[str]:
        remote = getattr(self.kiosk, "remote_actions", None)
        return [name for name, _t in ACTIONS if callable(getattr(remote, name, None))]

    def run_action(self, name: str) -> Callable[[], Any] | None:
        if self.busy or name not in self.available_actions():
            return None
        self.busy = True
        self._action_key = name
        self.action_result = ""
        action = getattr(self.kiosk.remote_actions, name)
        who = f"{self.technician or 'technician'} at the kiosk"
        return lambda: action(who)

    def action_done(self, outcome: Any) -> None:
        """A live test answers with its Check (kiosk.app.diagnostics.actions), or a line."""
        self.busy = False
        if isinstance(outcome, Check):
            self.action_result = f"{self._action_key}: {outcome.status.value}: {outcome.summary}"
        else:
            self.action_result = f"{self._action_key}: {outcome if outcome is not None else 'ok'}"

    def action_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.action_result = f"{self._action_key}: {type(exc).__name__}: {exc}"

    def tapped(self, result: EntranceResultLike) -> None:
        self.last_tap = result

    def wipe(self) -> None:
        self.action_result = ""
        self.last_tap = None
        self.rows = []
        self.technician = ""

    def view(self, _: Translate) -> DiagnosticsView:
        statuses = [r.status for r in self.rows]
        worst = max(statuses, key=lambda s: s.rank, default=None)
        overall = _("Checking…") if worst is None else \
            _("Overall: {status}").format(status=_(STATUS_TEXT[worst]))
        rows = [(_(STATUS_TEXT[r.status]), r.name, f"{r.summary}  {r.hint}".strip(),
                 r.status is not Status.PASS) for r in self.rows]
        texts = dict(ACTIONS)
        tap = ""
        if self.last_tap is not None:
            t = self.last_tap
            # member number and reason only, as the log line: no name on a technician's screen
            outcome = _("granted") if t.granted else _("refused: {reason}").format(
                reason=t.reason or t.message_key)
            tap = _("Last card read: {outcome}").format(outcome=outcome)
        return DiagnosticsView(
            title=_("Diagnostics"), overall=overall, rows=rows,
            actions=[(name, _(texts[name])) for name in self.available_actions()],
            action_result=self.action_result, last_tap=tap)
