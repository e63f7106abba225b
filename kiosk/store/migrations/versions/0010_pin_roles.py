"""Kiosk PINs carry their role (receptionist, admin, technician): a receptionist's approves
visitors, a technician's opens technician mode, an admin's does both. PINs stored before came
from a central that sent only PINs for visitor approval, so they read as a receptionist's until
the next sync replaces them.

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
    op.add_column("receptionist_pins", sa.Column("role", sa.String(16), nullable=False,
                                                 server_default="receptionist"))


def downgrade() -> None:
    with op.batch_alter_table("receptionist_pins") as batch:
        batch.drop_column("role")
