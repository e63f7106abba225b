"""Initial schema: members, cards, entitlements, freezes, facility rules, access events, meta.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("member_no", sa.String(32), primary_key=True),
        sa.Column("name_enc", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("visits_remaining", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "cards",
        sa.Column("uid", sa.String(20), primary_key=True),
        sa.Column("member_no", sa.String(32),
                  sa.ForeignKey("members.member_no", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_cards_member_no", "cards", ["member_no"])
    op.create_table(
        "entitlements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_no", sa.String(32),
                  sa.ForeignKey("members.member_no", ondelete="CASCADE"), nullable=False),
        sa.Column("facility", sa.String(32), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
    )
    op.create_index("ix_entitlements_member_no", "entitlements", ["member_no"])
    op.create_table(
        "freezes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_no", sa.String(32),
                  sa.ForeignKey("members.member_no", ondelete="CASCADE"), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
    )
    op.create_index("ix_freezes_member_no", "freezes", ["member_no"])
    op.create_table(
        "facility_rules",
        sa.Column("facility", sa.String(32), primary_key=True),
        sa.Column("hours_json", sa.Text, nullable=False),
        sa.Column("closed_days_json", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_table(
        "access_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("facility", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(5), nullable=False),
        sa.Column("card_uid", sa.String(20), nullable=False),
        sa.Column("member_no", sa.String(32), nullable=True),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("consumed_visit", sa.Boolean, nullable=False),
        sa.Column("visits_left", sa.Integer, nullable=True),
        sa.Column("pulse_state", sa.String(12), nullable=False),
        sa.Column("synced_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_access_events_card_at", "access_events", ["card_uid", "at"])
    op.create_index("ix_access_events_member_at", "access_events", ["member_no", "at"])
    op.create_index("ix_access_events_facility_at", "access_events", ["facility", "at"])
    op.create_index("ix_access_events_outbox", "access_events", ["id"],
                    sqlite_where=sa.text("synced_at IS NULL"))
    op.create_index("ix_access_events_pending", "access_events", ["pulse_state"],
                    sqlite_where=sa.text("pulse_state = 'pending'"))
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("meta", "access_events", "facility_rules", "freezes", "entitlements",
                  "cards", "members"):
        op.drop_table(table)
