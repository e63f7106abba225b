"""The local store's schema as SQLAlchemy 2.x models (the head revision of the migrations).

The migrations in kiosk/store/migrations/versions create and change the real tables; this
module mirrors the head so queries are typed. A test checks that the two agree.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Re-exported: kiosk.sync.tables imports the column type from here.
from lobby_core.sqlite import UTCDateTime as UTCDateTime


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"
    member_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    # AES-GCM ciphertext of the full name (see kiosk.store.names); screens show it masked.
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(8))
    visits_remaining: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Card(Base):
    __tablename__ = "cards"
    uid: Mapped[str] = mapped_column(String(20), primary_key=True)  # upper hex, no separators
    member_no: Mapped[str] = mapped_column(
        ForeignKey("members.member_no", ondelete="CASCADE"), index=True
    )


class Entitlement(Base):
    __tablename__ = "entitlements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_no: Mapped[str] = mapped_column(
        ForeignKey("members.member_no", ondelete="CASCADE"), index=True
    )
    facility: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)


class Freeze(Base):
    __tablename__ = "freezes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_no: Mapped[str] = mapped_column(
        ForeignKey("members.member_no", ondelete="CASCADE"), index=True
    )
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)


class FacilityRule(Base):
    __tablename__ = "facility_rules"
    facility: Mapped[str] = mapped_column(String(32), primary_key=True)
    # {"0": [["06:00", "22:00"]], ...}: weekday -> intervals; a missing weekday is closed.
    hours_json: Mapped[str] = mapped_column(Text)
    closed_days_json: Mapped[str] = mapped_column(Text)  # ["2026-10-01", ...]
    capacity: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # "config" or "central"


class AccessEvent(Base):
    """Append-only: decision fields never change; pulse_state and synced_at move forward."""

    __tablename__ = "access_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    facility: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(5))  # entry | exit
    card_uid: Mapped[str] = mapped_column(String(20))
    member_no: Mapped[str | None] = mapped_column(String(32))  # no FK: events outlive members
    granted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(32))
    consumed_visit: Mapped[bool] = mapped_column(Boolean)
    visits_left: Mapped[int | None] = mapped_column(Integer)
    # none (nothing to pulse) | pending (recorded, pulse not yet done) | confirmed | failed |
    # unconfirmed (the process stopped between record and pulse; found pending at start)
    pulse_state: Mapped[str] = mapped_column(String(12))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # outbox: NULL = to send
    locker: Mapped[str | None] = mapped_column(String(16))  # revision 0002
    # Revision 0007: a visitor pass's event (card_uid is then ""); visit_id 0 = signed here.
    pass_id: Mapped[int | None] = mapped_column(BigInteger)
    visit_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_access_events_card_at", "card_uid", "at"),
        Index("ix_access_events_member_at", "member_no", "at"),
        Index("ix_access_events_facility_at", "facility", "at"),
        Index("ix_access_events_outbox", "id", sqlite_where=text("synced_at IS NULL")),
        Index("ix_access_events_pending", "pulse_state", sqlite_where=text("pulse_state = 'pending'")),
    )


class Locker(Base):
    """Revision 0002: one row per configured locker; member_no set while assigned."""

    __tablename__ = "lockers"
    label: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[int] = mapped_column(Integer)
    member_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncVisit(Base):
    """Revisions 0003, 0004 and 0005: a visitor registration on its way to central, then central's
    decision on it. The personal data (request_enc, id_number_enc) is dropped as soon as
    central has the visit."""

    __tablename__ = "sync_visits"
    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # AES-GCM (member-name key) of the registration's JSON without its ID number.
    request_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # AES-GCM of the ID number alone, with its own key (kiosk.store.visitors). Revision 0004.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    # queued (not sent) | pending | approved | denied | expired | revoked | rejected
    status: Mapped[str] = mapped_column(String(16), index=True)
    deny_reason: Mapped[str | None] = mapped_column(String(200))
    pass_id: Mapped[int | None] = mapped_column(BigInteger)
    pass_text: Mapped[str | None] = mapped_column(Text)
    pass_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Revision 0005: what the slip shows, kept after the personal data is dropped.
    name_masked: Mapped[str | None] = mapped_column(String(100))
    host: Mapped[str | None] = mapped_column(String(200))
    # Revision 0006: approved here with a receptionist's PIN (the pass is then the kiosk's own),
    # and when central acknowledged that approval (NULL while it still has to be sent).
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Host(Base):
    """Revision 0005: the host directory (units/rooms and companies) synced from central."""

    __tablename__ = "hosts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(String(200))
    search: Mapped[str] = mapped_column(String(400))  # casefolded label
    initials: Mapped[str] = mapped_column(String(200))  # pinyin initials of the label


class ReceptionistPin(Base):
    """Revision 0006: the argon2 hashes of kiosk PINs, as central last sent them; revision 0009:
    each with its role (the table kept its first name)."""

    __tablename__ = "receptionist_pins"
    user: Mapped[str] = mapped_column(String(64), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), server_default="receptionist")


class PassUse(Base):
    """Revision 0007: a visitor pass's entries at this kiosk (granted and not refunded) and the
    last one, for its `entries_allowed` and anti-passback; `valid_until` says when it can go."""

    __tablename__ = "pass_uses"
    pass_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entries: Mapped[int] = mapped_column(Integer)
    last_entry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)


class InvitationUse(Base):
    """Revision 0008: an invitation's check-ins at this kiosk (or at central, as its lookup last
    said, whichever is more) and the check-ins it allows (None: central never said; see
    kiosk.store.invitation_uses); `valid_until` says when the row can go."""

    __tablename__ = "invitation_uses"
    invitation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    uses: Mapped[int] = mapped_column(Integer)
    allowed: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)


class LocalMember(Base):
    """Revision 0009: a member imported here with `--local`, whom central does not know (see
    kiosk.store.local_members). Goes with the member; central sending the same member number
    takes the member over."""

    __tablename__ = "local_members"
    member_no: Mapped[str] = mapped_column(
        ForeignKey("members.member_no", ondelete="CASCADE"), primary_key=True
    )
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
