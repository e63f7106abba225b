"""Errors the application services raise to their callers (the UI, the commands)."""

from __future__ import annotations


class ServiceUnavailable(RuntimeError):
    """The service exists but cannot do this here (not built yet, or not configured)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
