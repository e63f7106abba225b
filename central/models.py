"""The database schema of the central service as SQLAlchemy 2.x ORM classes.

Migrations in central/migrations/ create exactly this schema; a test compares the two.
Personal data columns are marked in comments: they are purged by the retention job.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Re-exported: central.services.overdraw imports the column type from here.
from lobby_core.sqlite import UTCDateTime as UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Counter(Base):
    """Named monotonic counters; bumping one row-locks it until commit, so feed cursors
    handed out in one transaction are never overtaken by a later-committing one."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    enrollment_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrollment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_address: Mapped[str | None] = mapped_column(String(64))
    clock_skew_ms: Mapped[int | None] = mapped_column(BigInteger)
    outbox_depth: Mapped[int | None] = mapped_column(Integer)
    versions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    health: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Revision 0008: the kiosk's last diagnostics report (lobby_core.diagnostics JSON) and when
    # central received it.
    diag: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    diag_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KioskAction(Base):
    """Revision 0008: a technician's request to a kiosk (pulse the gate, print a test slip, send
    a bundle), and its result: the queue and the audit trail in one row, kept."""

    __tablename__ = "kiosk_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    # The console user's name, not a key: the audit outlives the account.
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | ok | failed
    detail: Mapped[str] = mapped_column(String(300), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KioskBundle(Base):
    """Revision 0008: a diagnostics bundle (tar.gz) a kiosk uploaded for an action."""

    __tablename__ = "kiosk_bundles"
    action_id: Mapped[int] = mapped_column(
        ForeignKey("kiosk_actions.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Revision 0004: argon2 hash of the kiosk PIN (receptionists, admins); kiosks get it in sync.
    pin_hash: Mapped[str | None] = mapped_column(String(255))


class KioskKey(Base):
    """Revision 0004: a kiosk's own Ed25519 public key, for passes it signs after a PIN approval.

    One active key per kiosk (retired_at NULL); a replaced key, or the key of a revoked kiosk,
    stays published until `retire_after`, when every pass it can have signed has expired.
    """

    __tablename__ = "kiosk_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[int] = mapped_column(Integer)  # 1 byte in the pass, never one central uses
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw, 32 bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retire_after: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed-login counters per "user:NAME" and per "addr:IP"; shared by all API processes."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))  # personal
    card_uids: Mapped[str] = mapped_column(String(400), default="")  # "04A1B2C3|..."
    facilities: Mapped[str] = mapped_column(String(800), default="")  # "gym|pool"
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    visits_remaining: Mapped[int | None] = mapped_column(Integer)
    # Feed position of the last change (see Counter); a deleted member is a tombstone.
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessEvent(Base):
    __tablename__ = "access_events"
    __table_args__ = (UniqueConstraint("kiosk_id", "event_id", name="uq_access_events_kiosk_event"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    facility: Mapped[str | None] = mapped_column(String(32))
    member_no: Mapped[str | None] = mapped_column(String(32))
    pass_id: Mapped[int | None] = mapped_column(BigInteger)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    locker: Mapped[str | None] = mapped_column(String(16))  # revision 0007


class Invitation(Base):
    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_name: Mapped[str] = mapped_column(String(100))  # personal
    host: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    entries_allowed: Mapped[int] = mapped_column(Integer, default=1)
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    qr_text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "client_id", name="uq_visits_kiosk_client"),
        Index("ix_visits_status_created", "status", "created_at"),
        Index("ix_visits_created", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    request_digest: Mapped[str] = mapped_column(String(64))  # keyed hash of the request body
    id_type: Mapped[str] = mapped_column(String(16))
    id_country: Mapped[str | None] = mapped_column(String(3))  # a passport's issuer, ISO alpha-3
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # personal, encrypted
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # personal, keyed hash
    id_masked: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(100))  # personal
    mobile: Mapped[str | None] = mapped_column(String(24))  # personal
    host: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(100))
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    blocklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deny_reason: Mapped[str | None] = mapped_column(String(200))
    pass_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # u32 in the signed pass
    pass_text: Mapped[str | None] = mapped_column(Text)
    pass_valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pass_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pass_facilities: Mapped[str | None] = mapped_column(String(400))  # "lobby|gym"
    pass_entries: Mapped[int | None] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the visit is over (denied/expired: at the decision; approved: pass expiry or exit).
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Revision 0004: approved at its kiosk with a receptionist's PIN (central was unreachable or
    # the wait ran out): when, and the receptionist's user name as the kiosk sent it.
    kiosk_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kiosk_approved_by: Mapped[str | None] = mapped_column(String(64))
    # Revision 0006: how the visit was checked out ("gate", "desk", "auto": closed by the
    # nightly job) and, at the desk, the receptionist's user name.
    checkout_kind: Mapped[str | None] = mapped_column(String(8))
    checked_out_by: Mapped[str | None] = mapped_column(String(64))


class Revocation(Base):
    """A withdrawn pass or invitation (separate id spaces, as in lobby_core.passes.RevocationList)."""

    __tablename__ = "revocations"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="uq_revocations_kind_ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "pass" | "invitation"
    ref_id: Mapped[int] = mapped_column(BigInteger)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # After the code itself expires the entry is useless; the list drops it.
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class KioskUpdate(Base):
    """What a kiosk's long-poll returns: decisions for that kiosk, revocations for all (NULL)."""

    __tablename__ = "kiosk_updates"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlocklistEntry(Base):
    __tablename__ = "blocklist"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_type: Mapped[str] = mapped_column(String(16))
    # Keyed hash of lobby_core.id_documents.canonical_key (no type); entries made before that
    # hold keyed_hash("id:" + id_type, number), matched by central.services.id_rules.legacy_hashes.
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The same key under the kiosks' blocklist key (GET /api/v1/blocklist); NULL on old entries,
    # whose number central cannot recover, and once purged.
    kiosk_hash: Mapped[str | None] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(100))  # personal
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """Pass-signing keys in the database, so every API process signs with the same ring."""

    __tablename__ = "signing_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int] = mapped_column(Integer, index=True)  # 1 byte in the pass; reused over years
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)  # raw key encrypted with the data key
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest expiry of anything it signed: kiosks must keep trusting it until then.
    accept_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Host(Base):
    """Whom a visitor may visit: a unit or room ("3栋1201") or a company; kiosks sync the whole
    directory (GET /api/v1/hosts) and search it locally. Each change bumps counters.HOSTS."""

    __tablename__ = "hosts"
    __table_args__ = (UniqueConstraint("kind", "label", name="uq_hosts_kind_label"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "unit" | "company"
    label: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KioskLocalMember(Base):
    """A member a kiosk imported for itself (`kiosk members import --local`), as last reported
    by that kiosk: masked, never the full name or a card (migration 0008)."""

    __tablename__ = "kiosk_local_members"
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), primary_key=True)
    member_no: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    masked_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    facilities: Mapped[str] = mapped_column(String(800))  # "gym|pool"
    valid_until: Mapped[date | None] = mapped_column(Date)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
class HelpCall(Base):
    """Revision 0008: a visitor at a kiosk pressed "call for help" (central.services.help_calls).
    Presses while it is open, or within a minute of the last one, are the same call; it stays
    on the console until a receptionist takes it."""

    __tablename__ = "help_calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_pressed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    presses: Mapped[int] = mapped_column(Integer, default=1)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The receptionist's user name as it was, so the record survives their account's removal.
    taken_by_name: Mapped[str | None] = mapped_column(String(64))
