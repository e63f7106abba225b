"""Help calls from kiosks: a visitor pressed "call for help"; the console shows the call until a
receptionist takes it (who, when).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_pressed_at", sa.DateTime(), nullable=False),
        sa.Column("presses", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("taken_by_name", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["taken_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_help_calls_kiosk_id", "help_calls", ["kiosk_id"])
    op.create_index("ix_help_calls_taken_at", "help_calls", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_help_calls_taken_at", table_name="help_calls")
    op.drop_index("ix_help_calls_kiosk_id", table_name="help_calls")
    op.drop_table("help_calls")
