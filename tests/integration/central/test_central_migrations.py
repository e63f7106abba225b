"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import central.services
from central.db import Database
from central.migrate import upgrade
from central.models import Base


def test_migrations_match_the_models_and_rerun_cleanly(central_db_url: str) -> None:
    # Some services declare their own tables on the shared Base: load them all.
    for mod in pkgutil.iter_modules(central.services.__path__):
        importlib.import_module(f"central.services.{mod.name}")
    db = Database(central_db_url)
    try:
        upgrade(db.engine)
        upgrade(db.engine)  # a second start finds nothing to do
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
    finally:
        db.dispose()
