"""Visitor passes at the turnstile: each pass's entries here and its last one (for its
`entries_allowed` and anti-passback), and the pass (and visit) an access event belongs to.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pass_uses",
        sa.Column("pass_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("last_entry_at", sa.DateTime, nullable=True),
        sa.Column("valid_until", sa.DateTime, nullable=False),
    )
    # Plain ADD COLUMNs (no batch copy): the events table may be large and nothing else changes.
    op.add_column("access_events", sa.Column("pass_id", sa.BigInteger, nullable=True))
    op.add_column("access_events", sa.Column("visit_id", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_events") as batch:
        batch.drop_column("visit_id")
        batch.drop_column("pass_id")
    op.drop_table("pass_uses")
