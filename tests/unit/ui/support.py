"""Helpers for the presenter tests: real EntranceResults and Health values, a movable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.entrance.result import EntranceResult
from kiosk.store import PulseState
from kiosk.ui.i18n import Catalogs, Translate

CATALOGS = Catalogs()


def tr(lang: str) -> Translate:
    return CATALOGS.translator(lang)


def result(granted: bool, key: str, *, reason: str | None = None, name: str = "张*明",
           visits: int | None = None, locker: str | None = None, see_staff: bool = False,
           pulse: PulseState = PulseState.CONFIRMED, direction: str = "entry",
           detail: dict[str, str] | None = None) -> EntranceResult:
    return EntranceResult(
        at=datetime(2026, 6, 1, 2, 0, tzinfo=UTC), direction=direction, granted=granted,
        reason=reason, message_key=key, member_no="M1", display_name=name, visits_left=visits,
        locker=locker, pulse=pulse if granted else PulseState.NONE, see_staff=see_staff,
        event_uuid="e1", detail=detail or {})


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def health(**states: Any) -> dict[str, Any]:
    from devices import Health

    out = {"card_reader": Health.ok("watching"), "relay": Health.ok(),
           "printer": Health.ok("not configured"), "qr_scanner": Health.ok("not configured"),
           "id_reader": Health.ok("not configured")}
    for name, value in states.items():
        out[name] = value
    return out
