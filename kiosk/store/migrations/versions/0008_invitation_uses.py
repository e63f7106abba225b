"""Invitations at the lobby kiosk: how many check-ins each invitation has had here, and how
many it allows when central said so (a lookup), so an offline kiosk can refuse one used up.

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
    op.create_table(
        "invitation_uses",
        sa.Column("invitation_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("uses", sa.Integer, nullable=False),
        sa.Column("allowed", sa.Integer, nullable=True),
        sa.Column("valid_until", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("invitation_uses")
