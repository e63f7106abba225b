"""How a visit was checked out (at the exit gate, by reception at the desk, or closed by the
nightly job) and who checked it out at the desk (central.services.visits).

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
    op.add_column("visits", sa.Column("checkout_kind", sa.String(8), nullable=True))
    op.add_column("visits", sa.Column("checked_out_by", sa.String(64), nullable=True))
    # Visits checked out before this revision could only have left through a gate.
    op.execute("UPDATE visits SET checkout_kind = 'gate' WHERE checked_out_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("checked_out_by")
        batch.drop_column("checkout_kind")
