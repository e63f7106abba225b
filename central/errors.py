"""Errors the service layer raises; the API and the console map them to HTTP answers."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class; `code` is a stable machine-readable slug, the message is for people."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


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

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
