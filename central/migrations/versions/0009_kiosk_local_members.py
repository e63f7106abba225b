"""Members a kiosk imported for itself (`kiosk members import --local`), as the kiosk reports
them: member number, masked name, status, facilities, validity; never a full name or a card.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosk_local_members",
        sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("member_no", sa.String(32), primary_key=True),
        sa.Column("masked_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("facilities", sa.String(800), nullable=False),
        sa.Column("valid_until", sa.Date, nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_kiosk_local_members_member_no", "kiosk_local_members", ["member_no"])


def downgrade() -> None:
    op.drop_index("ix_kiosk_local_members_member_no", table_name="kiosk_local_members")
    op.drop_table("kiosk_local_members")
