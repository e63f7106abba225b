"""The store's own errors, so callers never see a SQLAlchemy or sqlite3 exception."""

from __future__ import annotations


class StoreError(Exception):
    """The local database cannot be opened, upgraded, read or written."""
