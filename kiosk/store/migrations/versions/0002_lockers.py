"""Lockers: a table of configured lockers with their assignment, and the locker on each event.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lockers",
        sa.Column("label", sa.String(16), primary_key=True),
        sa.Column("channel", sa.Integer, nullable=False),
        sa.Column("member_no", sa.String(32), nullable=True, unique=True),
        sa.Column("assigned_at", sa.DateTime, nullable=True),
    )
    # A plain ADD COLUMN (no batch copy): access_events may hold millions of rows.
    op.add_column("access_events", sa.Column("locker", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_events") as batch:
        batch.drop_column("locker")
    op.drop_table("lockers")
