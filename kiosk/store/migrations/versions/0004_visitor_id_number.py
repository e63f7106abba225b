"""Visitor ID numbers in their own column, encrypted with their own key (kiosk.store.visitors).

Rows queued by revision 0003 keep the ID number inside request_enc; the store still reads and
sends them (the key file is not reachable from a migration, so they are not re-encrypted here),
and forgets them once central has the visit, as before.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): nothing else about the table changes.
    op.add_column("sync_visits", sa.Column("id_number_enc", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_visits") as batch:
        batch.drop_column("id_number_enc")
