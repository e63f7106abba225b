"""Remote diagnostics: the kiosk's last diagnostics report, and technicians' requests to a kiosk
(pulse the gate, print a test slip, send a bundle) with their results, kept as the audit trail.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("kiosks", sa.Column("diag", sa.JSON(), nullable=True))
    op.add_column("kiosks", sa.Column("diag_received_at", sa.DateTime(), nullable=True))
    op.create_table(
        "kiosk_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kiosk_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_actions_kiosk_id"), ["kiosk_id"], unique=False)
    op.create_table(
        "kiosk_bundles",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["kiosk_actions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id"),
    )


def downgrade() -> None:
    op.drop_table("kiosk_bundles")
    with op.batch_alter_table("kiosk_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_actions_kiosk_id"))
    op.drop_table("kiosk_actions")
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("diag_received_at")
        batch.drop_column("diag")
