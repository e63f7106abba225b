"""What the UI needs from the Kiosk, as typing Protocols (so kiosk.ui never imports bootstrap).

`bootstrap.Kiosk` satisfies `KioskPort`. The help call, the technician PIN and the live
diagnostics come from other parts of the kiosk and may be absent from a build: the UI
asks for them with `getattr` and says so on screen when they are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class HealthLike(Protocol):
    @property
    def is_ok(self) -> bool: ...
    @property
    def reason(self) -> str: ...


class EntranceResultLike(Protocol):
    """kiosk.entrance.result.EntranceResult, read by name only."""

    granted: bool
    reason: str | None
    message_key: str
    display_name: str
    visits_left: int | None
    locker: str | None
    see_staff: bool
    direction: str
    detail: dict[str, str]


class Subscribable(Protocol):
    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]: ...


class KioskPort(Protocol):
    config: Any  # kiosk.config.Config
    member_entrance: Subscribable
    visitor_desk: Any  # kiosk.app.VisitorDesk
    pass_entrance: Subscribable

    def health(self) -> Mapping[str, HealthLike]: ...
