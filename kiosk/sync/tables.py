"""The sync table of store revision 0003 (see kiosk/store/migrations/versions/0003_sync.py).

Kept apart from kiosk.store.tables (the entrance's schema) in their own MetaData: only the
sync engine reads or writes them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, String, Table, Text

from kiosk.store.tables import UTCDateTime

metadata = MetaData()

sync_visits = Table(
    "sync_visits", metadata,
    Column("client_id", String(36), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("request_enc", LargeBinary, nullable=True),
    Column("visit_id", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("deny_reason", String(200), nullable=True),
    Column("pass_id", BigInteger, nullable=True),
    Column("pass_text", Text, nullable=True),
    Column("pass_valid_until", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
