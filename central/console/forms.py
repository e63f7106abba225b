"""Read console form posts as plain strings and parse the few value types the forms use,
with errors that name the field (and never repeat a personal value back)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from starlette.datastructures import UploadFile

from .render import console_zone

MAX_FIELD = 1000


class FormError(ValueError):
    """A form field is missing or malformed; str() is a translatable message id."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


async def fields(request: Request) -> dict[str, str]:
    """Text fields of the posted form (files and over-long values dropped, values stripped)."""
    form = await request.form()
    return {
        k: v.strip()
        for k, v in form.items()
        if isinstance(v, str) and len(v) <= MAX_FIELD and k != "csrf_token"
    }


async def upload(request: Request, name: str) -> UploadFile | None:
    value = (await request.form()).get(name)
    return value if isinstance(value, UploadFile) else None


def local_datetime(value: str, field: str) -> datetime:
    """'2026-05-15T09:30' from a datetime-local input, in the property's time zone."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise FormError("{field}: enter a date and time", field=field) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=console_zone())
    return dt


def integer(value: str, field: str, low: int, high: int) -> int:
    try:
        n = int(value)
    except ValueError:
        raise FormError(
            "{field}: enter a whole number from {low} to {high}", field=field, low=low, high=high
        ) from None
    if not low <= n <= high:
        raise FormError("{field}: enter a whole number from {low} to {high}", field=field, low=low, high=high)
    return n
