"""Sync: visitor registrations on their way to central and central's decisions on them.

The members and updates cursors, the full-resync mark, the pass-signing keys and the
revocation list live in `meta` (keys "sync.*"): each is one small document.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_visits",
        sa.Column("client_id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        # AES-GCM ciphertext of the registration (it holds the ID number); dropped as soon as
        # central has acknowledged the visit, so the kiosk keeps no personal data for long.
        sa.Column("request_enc", sa.LargeBinary, nullable=True),
        sa.Column("visit_id", sa.Integer, nullable=True),
        # queued (not sent) | pending | approved | denied | expired | revoked | rejected
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("deny_reason", sa.String(200), nullable=True),
        sa.Column("pass_id", sa.BigInteger, nullable=True),
        sa.Column("pass_text", sa.Text, nullable=True),
        sa.Column("pass_valid_until", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_sync_visits_status", "sync_visits", ["status"])


def downgrade() -> None:
    op.drop_index("ix_sync_visits_status", "sync_visits")
    op.drop_table("sync_visits")
