"""Visitors at the kiosk: a passport's issuing country on visits, the kiosks' blocklist hash on
blocklist entries, and the host directory.

Revision ID: 0003
Revises: visit_overdraws_1 (the file 0002_visit_overdraws.py)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "visit_overdraws_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("id_country", sa.String(length=3), nullable=True))
    with op.batch_alter_table("blocklist") as batch_op:
        batch_op.add_column(sa.Column("kiosk_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "hosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "label", name="uq_hosts_kind_label"),
    )


def downgrade() -> None:
    op.drop_table("hosts")
    with op.batch_alter_table("blocklist") as batch_op:
        batch_op.drop_column("kiosk_hash")
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_column("id_country")
