"""Visitor passes' entries counted at central, and entries admitted beyond a pass's allowance
by kiosks that were offline at once (central.services.pass_entries).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pass_entry_counts",
        sa.Column("pass_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("last_entry_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pass_id"),
    )
    op.create_table(
        "pass_overuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_id", sa.BigInteger(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("entries_allowed", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("facility", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kiosk_id", "event_id", name="uq_pass_overuses_event"),
    )
    op.create_index("ix_pass_overuses_pass_id", "pass_overuses", ["pass_id"])


def downgrade() -> None:
    op.drop_index("ix_pass_overuses_pass_id", table_name="pass_overuses")
    op.drop_table("pass_overuses")
    op.drop_table("pass_entry_counts")
