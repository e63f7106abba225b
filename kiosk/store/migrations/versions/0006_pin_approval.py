"""PIN approval at the kiosk: receptionists' PIN hashes from central, and who approved a visit
here (and whether central has heard of it yet). The lockout after wrong PINs is kept in `meta`
("pin.*"), so it survives a restart.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receptionist_pins",
        sa.Column("user", sa.String(64), primary_key=True),
        sa.Column("pin_hash", sa.String(255), nullable=False),
    )
    # Plain ADD COLUMNs (no batch copy): nothing else about the table changes.
    op.add_column("sync_visits", sa.Column("approved_by", sa.String(64), nullable=True))
    op.add_column("sync_visits", sa.Column("approved_at", sa.DateTime, nullable=True))
    op.add_column("sync_visits", sa.Column("approval_sent_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_visits") as batch:
        batch.drop_column("approval_sent_at")
        batch.drop_column("approved_at")
        batch.drop_column("approved_by")
    op.drop_table("receptionist_pins")
