"""Members imported on an enrolled kiosk with `kiosk members import --local`: central does not
know them, so a full copy from central keeps them, and the kiosk reports them to central.

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
        "local_members",
        sa.Column("member_no", sa.String(32),
                  sa.ForeignKey("members.member_no", ondelete="CASCADE"), primary_key=True),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("local_members")
