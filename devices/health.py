"""The small value object every device's health() returns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Health:
    state: State
    reason: str = ""

    @classmethod
    def ok(cls, reason: str = "") -> Health:
        return cls(State.OK, reason)

    @classmethod
    def degraded(cls, reason: str) -> Health:
        return cls(State.DEGRADED, reason)

    @classmethod
    def down(cls, reason: str) -> Health:
        return cls(State.DOWN, reason)

    @property
    def is_ok(self) -> bool:
        return self.state is State.OK

    def __str__(self) -> str:
        return f"{self.state.value}: {self.reason}" if self.reason else self.state.value
