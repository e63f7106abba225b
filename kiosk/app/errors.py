"""Errors the application services raise to their callers (the UI, the commands)."""

from __future__ import annotations

from datetime import datetime


class ServiceUnavailable(RuntimeError):
    """The service exists but cannot do this here (not built yet, or not configured)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class PinWrong(Exception):
    """The PIN does not match that receptionist's (or nobody by that name has a PIN here)."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong PIN; {attempts_left} attempt(s) left before PIN approval locks")
        self.attempts_left = attempts_left


class PinLocked(Exception):
    """Too many wrong PINs in a row: PIN approval on this kiosk is locked until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"PIN approval is locked until {until.isoformat(timespec='seconds')}")
        self.until = until


class PinUnavailable(Exception):
    """PIN approval cannot be used here now (no PINs synced yet, or the visit is not waiting)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
