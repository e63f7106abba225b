"""The kiosk's local store: SQLite in data_dir, schema by Alembic migrations run on open."""

from __future__ import annotations

from .errors import StoreError
from .events import Event, PulseState
from .hosts import HostEntry
from .local_members import LocalMemberReport
from .lockers import Locker
from .members import ImportResult, PageResult
from .store import Store, Tx
from .visitors import QueuedVisit, VisitorRequest, VisitState

__all__ = ["Event", "HostEntry", "ImportResult", "LocalMemberReport", "Locker", "PageResult", "PulseState",
           "QueuedVisit", "Store",
           "StoreError", "Tx", "VisitState", "VisitorRequest"]
