"""Request and response bodies of the kiosk API (/api/v1), with strict bounds on everything.

Every string is length-bounded and free of control characters (PostgreSQL rejects NUL, and
nothing a kiosk sends needs them); every number is range-bounded; unknown fields are refused.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

from lobby_core import facilities

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")


def _no_control(v: str) -> str:
    if _CONTROL.search(v):
        raise ValueError("must not contain control characters")
    return v


def Text(max_length: int, min_length: int = 0, pattern: str | None = None) -> Any:  # noqa: N802
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
        ),
        AfterValidator(_no_control),
    ]


# Validated as a UUID, handed to the services as its canonical text.
Uuid = Annotated[uuid.UUID, PlainSerializer(str, return_type=str)]
# Event kinds and facility codes: lobby_core.facilities is the rule (a JSON schema pattern here).
Slug = Text(facilities.MAX_LENGTH, 1, rf"^{facilities.PATTERN}$")
# Row ids and counts the API, the console and the CLI accept: INTEGER on SQLite and PostgreSQL.
ROW_ID_MAX = 2_000_000_000
SmallInt = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
U32 = Annotated[int, Field(ge=0, le=2**32 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)


class ErrorBody(BaseModel):
    error: str
    detail: str
    key: str | None = Field(
        default=None,
        description="the shared rules' message key (id.bad_check, mobile.wrong_length, text.bad_characters, "
        "...) when one of them refused a value; translate it, `detail` is English",
    )


# -- enrollment -----------------------------------------------------------------------------


# A raw Ed25519 public key, standard base64 (32 bytes -> 44 characters).
PublicKeyB64 = Annotated[
    str, StringConstraints(min_length=44, max_length=44, pattern=r"^[A-Za-z0-9+/]{43}=$")
]


class EnrollRequest(Strict):
    code: Text(32, 1)
    kiosk_version: Text(64) | None = None
    public_key: PublicKeyB64 | None = Field(
        default=None, description="the kiosk's own pass-signing key (PIN approvals), raw Ed25519 in base64"
    )


class KioskKeyRequest(Strict):
    public_key: PublicKeyB64 = Field(description="raw Ed25519 public key, standard base64")


class KioskKeyResponse(BaseModel):
    key_id: int = Field(description="the key id byte the kiosk's passes carry")
    registered: bool = Field(description="false: it was this kiosk's key already")


class PinItem(BaseModel):
    user: str
    pin_hash: str = Field(description="argon2 hash of the user's kiosk PIN")
    role: Literal["receptionist", "admin", "technician"] = Field(
        description="receptionist: approves visitors; technician: opens technician mode; admin: both")


class PinsOut(BaseModel):
    items: list[PinItem] = Field(description="enabled users with a kiosk PIN")


class EnrollResponse(BaseModel):
    kiosk_id: int
    name: str
    token: str
    api: str = "/api/v1"


# -- members feed ---------------------------------------------------------------------------


class MemberItem(BaseModel):
    member_no: str
    version: int
    deleted: bool
    name: str
    card_uids: list[str]
    facilities: list[str]
    valid_from: date
    valid_until: date
    status: Literal["active", "frozen", "blocked"]
    visits_remaining: int | None


class MembersPage(BaseModel):
    items: list[MemberItem]
    next_cursor: int = Field(description="pass as `after` for the next page")
    has_more: bool
    reset: bool = Field(
        description="the cursor was too old: this is a full copy from the start; once "
        "has_more is false, drop members this copy did not contain"
    )


# -- events ---------------------------------------------------------------------------------


class EventItem(Strict):
    event_id: Uuid
    occurred_at: AwareDatetime
    kind: Slug
    facility: Slug | None = None
    member_no: Text(32) | None = None
    pass_id: U32 | None = None
    visit_id: Annotated[int, Field(ge=1, le=2_000_000_000)] | None = None
    outcome: Text(32) | None = None
    reason: Text(64) | None = None
    locker: Text(16) | None = None  # the locker label a member entrance opened


class EventBatch(Strict):
    events: Annotated[list[EventItem], Field(min_length=1, max_length=500)]


class EventResult(BaseModel):
    accepted: int
    duplicates: int


# -- visits ---------------------------------------------------------------------------------


# A signed invitation as scanned (lobby_core.passes; ~112 characters); the codec judges the rest.
InvitationQr = Text(200, 1)


class KioskApproval(Strict):
    approved_by: Text(64, 1) = Field(description="the receptionist whose PIN the kiosk checked")
    approved_at: AwareDatetime
    pass_text: Text(200, 1) = Field(description="the pass the kiosk signed with its own key")


# lobby_core.id_documents.ID_TYPES, spelt out so the OpenAPI schema lists them.
IdType = Literal[
    "cn_ric", "hmt_res_permit", "foreign_pr", "passport", "hk_macao_permit", "taiwan_permit", "other"
]


class VisitCreate(Strict):
    """Bounds only: the service applies the shared rules (lobby_core.id_documents for the number
    and the mobile, lobby_core.text for typed text) and answers 422 with their message key."""

    client_id: Uuid
    id_type: IdType
    id_number: Text(32, 1)
    id_country: Text(8, 2) | None = Field(
        default=None, description="a passport's issuing country, ISO 3166 alpha-3 (or alpha-2); required then"
    )
    name: Text(100, 1)
    mobile: Text(32, 5)
    host: Text(100, 1)
    purpose: Text(100, 1)
    party_size: Annotated[int, Field(ge=1, le=20)] = 1
    invitation: InvitationQr | None = Field(
        default=None,
        description="the scanned invitation QR text: approved at once if it verifies and is usable",
    )
    kiosk_approval: KioskApproval | None = Field(
        default=None, description="approved at the kiosk with a receptionist's PIN (central was unreachable)"
    )


class PassOut(BaseModel):
    pass_id: int
    text: str = Field(description="QR payload to print; verifies with a key from /api/v1/keys")
    valid_from: datetime
    valid_until: datetime
    facilities: list[str]
    entries: int | None = Field(description="entries allowed; null = unlimited")


class VisitOut(BaseModel):
    visit_id: int
    client_id: str
    status: Literal["pending", "approved", "denied", "expired", "revoked"]
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    deny_reason: str | None
    pass_: PassOut | None = Field(default=None, alias="pass")

    model_config = ConfigDict(populate_by_name=True)


# -- updates --------------------------------------------------------------------------------


class UpdateItem(BaseModel):
    seq: int
    kind: Literal["decision", "revocation", "action"]
    payload: dict[str, Any]
    created_at: datetime


class UpdatesPage(BaseModel):
    items: list[UpdateItem]
    next_cursor: int


# -- heartbeat ------------------------------------------------------------------------------


class DeviceHealth(Strict):
    name: Text(32, 1)
    kind: Slug
    state: Literal["ok", "degraded", "down"]
    reason: Text(200) = ""


class Heartbeat(Strict):
    sent_at: AwareDatetime
    versions: Annotated[dict[Text(32, 1, r"^[A-Za-z0-9_.-]+$"), Text(64)], Field(max_length=20)] = {}
    devices: Annotated[list[DeviceHealth], Field(max_length=20)] = []
    outbox_depth: SmallInt = 0
    uptime_s: SmallInt | None = None
    disk_free_mb: SmallInt | None = None
    # lobby_core.diagnostics.Report JSON; checked by Report.from_json (bounded there).
    diag: dict[str, Any] | None = None


class HeartbeatAck(BaseModel):
    server_time: datetime
    clock_skew_ms: int


# -- keys, revocations, invitations ---------------------------------------------------------


class KeyOut(BaseModel):
    key_id: int = Field(description="the key id byte in a pass")
    alg: Literal["Ed25519"]
    public_key: str = Field(description="raw Ed25519 public key, standard base64")
    retire_after: datetime | None = Field(description="null: the signing key; else trusted until then")


class KeysOut(BaseModel):
    keys: list[KeyOut] = Field(description="lobby_core.passes.TrustedKeys.from_published(keys)")
    facilities: list[str] = Field(description="the facility table of pass masks (FacilityTable.from_list)")


class RevocationsOut(BaseModel):
    pass_ids: list[int]
    invitation_ids: list[int]
    cursor: int = Field(description="the updates cursor this list is current to: long-poll from here")


class HostOut(BaseModel):
    id: int
    kind: Literal["unit", "company"]
    label: str = Field(description='a unit or room ("3栋1201") or a company name')
    detail: str


class HostsOut(BaseModel):
    version: int = Field(description="bumps on every change to the directory")
    items: list[HostOut] = Field(description="the whole directory (at most 10,000)")


class BlocklistOut(BaseModel):
    key: str = Field(description="the kiosks' 32-byte HMAC key, standard base64 (not central's own key)")
    hashes: list[str] = Field(
        description="hex HMAC-SHA256 under `key` of lobby_core.id_documents.canonical_key(type, number) "
        "for each active entry"
    )


class InvitationLookup(Strict):
    qr: InvitationQr = Field(description="the scanned invitation QR text")


class InvitationOut(BaseModel):
    invitation_id: int
    visitor_name_masked: str
    host: str
    valid_from: datetime
    valid_until: datetime
    entries_allowed: int
    entries_left: int
    usable_now: bool
