"""Errors the service layer raises; the API and the console map them to HTTP answers."""

from __future__ import annotations

from datetime import datetime


class ServiceError(Exception):
    """Base class; `code` is a stable machine-readable slug, the message is for people (English).
    `key` is the shared core's message key (`id.bad_check`, `text.bad_characters`, ...) when a
    lobby_core rule refused the value: clients translate it, so it travels beside the message."""

    status = 400
    code = "invalid"
    key: str | None = None
    field: str | None = None  # the refused field, when a text rule refused it (for translations)

    def __init__(
        self, message: str, code: str | None = None, key: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        if code:
            self.code = code
        if key:
            self.key = key
        if field:
            self.field = field


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Locked(ServiceError):
    """Too many failed logins; `retry_after` seconds until the lock lifts."""

    status = 429
    code = "locked"

    def __init__(self, message: str, retry_after: int, until: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.until = until  # when the lock lifts, for a page that says "try again at 14:32"
