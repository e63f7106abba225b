"""Visitor desk: the host directory synced from central, and what a visit's slip needs once
central has the registration (the masked name and the host), kept beside the pass.

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
        "hosts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),  # unit | company
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        # Lower-case label and its pinyin initials, for the kiosk's host search.
        sa.Column("search", sa.String(400), nullable=False),
        sa.Column("initials", sa.String(200), nullable=False),
    )
    # Plain ADD COLUMNs: nothing else about sync_visits changes. Both are not personal data
    # on their own (a masked name, a unit or company); the purge drops them with the row.
    op.add_column("sync_visits", sa.Column("name_masked", sa.String(100), nullable=True))
    op.add_column("sync_visits", sa.Column("host", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_visits") as batch:
        batch.drop_column("host")
        batch.drop_column("name_masked")
    op.drop_table("hosts")
