"""Alembic environment: runs on the connection kiosk.store.migrate hands over, never a URL."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through kiosk.store.migrate, which passes a connection")

# render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
context.configure(connection=connection, render_as_batch=True, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
