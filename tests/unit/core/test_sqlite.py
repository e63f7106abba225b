"""lobby_core.sqlite: each side's stored timestamp text and PRAGMAs stay exactly as they were.

Kiosks in the field have databases in this format, and central's purge relies on
secure_delete: a change here must be a deliberate migration, so these tests pin the bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select
from sqlalchemy.types import TypeEngine

import central.db
import central.models
import kiosk.store.database
import kiosk.store.tables
from lobby_core.sqlite import UTCDateTime


def _kiosk_engine(path: Path) -> Engine:
    return kiosk.store.database.make_engine(path)


def _central_engine(path: Path) -> Engine:
    return central.db.make_engine(f"sqlite+pysqlite:///{path}")


SIDES: dict[str, tuple[Callable[[Path], Engine], TypeEngine[datetime]]] = {
    "kiosk": (_kiosk_engine, kiosk.store.tables.Member.__table__.c.updated_at.type),
    "central": (_central_engine, central.models.Visit.__table__.c.ends_at.type),
}

BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    ("at", "stored"),
    [
        (datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=BEIJING), "2026-03-03 21:06:07.890123"),
        (datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), "2026-03-04 05:06:07.000000"),
        (datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC), "1999-12-31 23:59:59.000001"),
    ],
)
def test_stored_text_of_a_datetime(tmp_path: Path, side: str, at: datetime, stored: str) -> None:
    make, column_type = SIDES[side]
    assert isinstance(column_type, UTCDateTime)
    path = tmp_path / f"{side}.db"
    engine = make(path)
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", column_type))
    try:
        table.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(table).values(id=1, at=at))
        with engine.connect() as conn:
            back = conn.execute(select(table.c.at)).scalar_one()
    finally:
        engine.dispose()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("SELECT at, typeof(at) FROM t").fetchone() == (stored, "text")
    finally:
        raw.close()
    assert back == at and back.tzinfo is UTC


def test_a_naive_datetime_is_refused(tmp_path: Path) -> None:
    engine = _kiosk_engine(tmp_path / "k.db")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime))
    try:
        table.metadata.create_all(engine)
        with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
            conn.execute(insert(table).values(id=1, at=datetime(2026, 1, 1)))
    finally:
        engine.dispose()


def _build_default(pragma: str) -> object:
    bare = sqlite3.connect(":memory:")
    try:
        return bare.execute(f"PRAGMA {pragma}").fetchone()[0]
    finally:
        bare.close()


PRAGMAS = ("journal_mode", "synchronous", "wal_autocheckpoint", "foreign_keys", "busy_timeout",
           "secure_delete")


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        # synchronous: 2 = FULL (a committed access event survives a power cut), 1 = NORMAL.
        # The kiosk leaves secure_delete as the SQLite build has it (Debian's builds turn it on).
        ("kiosk", {"journal_mode": "wal", "synchronous": 2, "wal_autocheckpoint": 100,
                   "foreign_keys": 1, "busy_timeout": 10_000, "secure_delete": "build default"}),
        # wal_autocheckpoint 1000 is SQLite's default; secure_delete zeroes purged personal data.
        ("central", {"journal_mode": "wal", "synchronous": 1, "wal_autocheckpoint": 1000,
                     "foreign_keys": 1, "busy_timeout": 30_000, "secure_delete": 1}),
    ],
)
def test_pragmas_each_engine_ends_up_with(tmp_path: Path, side: str, expected: dict[str, object]) -> None:
    make, _ = SIDES[side]
    engine = make(tmp_path / f"{side}.db")
    try:
        with engine.connect() as conn:
            got = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar_one() for p in PRAGMAS}
            assert conn.connection.dbapi_connection.isolation_level is None  # type: ignore[union-attr]
    finally:
        engine.dispose()
    if expected["secure_delete"] == "build default":
        expected = {**expected, "secure_delete": _build_default("secure_delete")}
    assert got == expected
