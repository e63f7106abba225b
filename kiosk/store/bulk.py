"""The store's bulk-write helpers: one chunking rule, and values in their stored form.

Bulk writes (a 100,000-member full copy) go to the driver as plain parameter rows because
SQLAlchemy's per-row parameter processing was most of their time. The values must still be
stored exactly as the ORM path stores them (a resync mark written here is compared through
UTCDateTime later), so they are converted by the column's own type, never formatted by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column
from sqlalchemy.dialects import sqlite

CHUNK = 500  # well under SQLite's bound-parameter limit
_DIALECT = sqlite.dialect()
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`, for IN (...) lists and bounded parameter rows."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def stored_form(column: Column[Any]) -> Callable[[Any], Any]:
    """The function the column's type applies to a Python value on its way into SQLite."""
    process = column.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value


def marks(n: int) -> str:
    """"?, ?, ..." for an IN list of n values."""
    return ",".join("?" * n)
