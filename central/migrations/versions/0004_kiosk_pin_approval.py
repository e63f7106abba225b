"""PIN approval at the kiosk: receptionists' kiosk PIN hashes, kiosks' own public keys, and
visits approved at a kiosk (when, by whom).

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
    op.add_column("users", sa.Column("pin_hash", sa.String(255), nullable=True))
    op.create_table(
        "kiosk_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retire_after", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kiosk_keys_kiosk_id", "kiosk_keys", ["kiosk_id"])
    op.add_column("visits", sa.Column("kiosk_approved_at", sa.DateTime(), nullable=True))
    op.add_column("visits", sa.Column("kiosk_approved_by", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("kiosk_approved_by")
        batch.drop_column("kiosk_approved_at")
    op.drop_index("ix_kiosk_keys_kiosk_id", table_name="kiosk_keys")
    op.drop_table("kiosk_keys")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("pin_hash")
