"""The kiosk's local store: SQLite in data_dir, schema by Alembic migrations run on open.

Names are imported on first use (PEP 562): `kiosk diag` asking a running kiosk, or reading
the run lock, must not pay for SQLAlchemy, Alembic and the pinyin tables it never touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import StoreError
    from .events import Event, PulseState
    from .hosts import HostEntry
    from .local_members import LocalMemberReport
    from .lockers import Locker
    from .members import ImportResult, PageResult
    from .store import Store, Tx
    from .visitors import QueuedVisit, VisitorRequest, VisitState

_WHERE = {
    "StoreError": ".errors", "Event": ".events", "PulseState": ".events", "HostEntry": ".hosts",
    "LocalMemberReport": ".local_members", "Locker": ".lockers", "ImportResult": ".members",
    "PageResult": ".members", "Store": ".store", "Tx": ".store", "QueuedVisit": ".visitors",
    "VisitorRequest": ".visitors", "VisitState": ".visitors",
}
__all__ = ["Event", "HostEntry", "ImportResult", "LocalMemberReport", "Locker", "PageResult",
           "PulseState", "QueuedVisit", "Store", "StoreError", "Tx", "VisitState", "VisitorRequest"]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
