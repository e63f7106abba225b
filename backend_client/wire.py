"""What central's /api/v1 answers look like, checked on arrival (pydantic), so a wrong shape
becomes one CentralProtocolError here instead of a KeyError deep in the sync engine.

Unknown extra fields are ignored (a newer central may add some); missing or mistyped ones are
refused. Strings are length-bounded: a hostile or broken server cannot make the kiosk store
megabytes per member.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from .errors import CentralProtocolError

Short = Annotated[str, Field(max_length=200)]
Count = Annotated[int, Field(ge=0, le=2**62)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Enrolled(Wire):
    kiosk_id: int
    name: Short
    token: Annotated[str, Field(min_length=20, max_length=200, pattern=r"^\S+$")]


class MemberItem(Wire):
    member_no: Annotated[str, Field(min_length=1, max_length=32)]
    version: Count
    deleted: bool
    name: Annotated[str, Field(max_length=100)]
    card_uids: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)]
    facilities: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=50)]
    valid_from: date
    valid_until: date
    status: Literal["active", "frozen", "blocked"]
    visits_remaining: Annotated[int, Field(ge=0, le=1_000_000)] | None


class MembersPage(Wire):
    items: Annotated[list[MemberItem], Field(max_length=5000)]
    next_cursor: Count
    has_more: bool
    reset: bool


class EventResult(Wire):
    accepted: Count
    duplicates: Count


class HeartbeatAck(Wire):
    server_time: AwareDatetime
    clock_skew_ms: int


class LocalMembersAck(Wire):
    count: Count


class PassKey(Wire):
    key_id: Annotated[int, Field(ge=0, le=255)]
    alg: Literal["Ed25519"]
    public_key: Annotated[str, Field(min_length=1, max_length=200)]
    retire_after: AwareDatetime | None


class Keys(Wire):
    """Read by lobby_core.passes.TrustedKeys.from_published(keys) and FacilityTable.from_list."""

    keys: Annotated[list[PassKey], Field(max_length=256)]
    facilities: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=64)]


U32 = Annotated[int, Field(ge=0, le=2**32 - 1)]


class Revocations(Wire):
    """Read by lobby_core.passes.RevocationList.from_dict."""

    pass_ids: Annotated[list[U32], Field(max_length=1_000_000)]
    invitation_ids: Annotated[list[U32], Field(max_length=1_000_000)]
    cursor: Count


class RevocationUpdate(Wire):
    kind: Literal["pass", "invitation"]
    id: U32
    valid_until: AwareDatetime


class PassOut(Wire):
    pass_id: Annotated[int, Field(ge=0, le=2**32 - 1)]
    text: Annotated[str, Field(max_length=1000)]
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    facilities: list[Annotated[str, Field(max_length=32)]]
    entries: Count | None


VisitStatus = Literal["pending", "approved", "denied", "expired", "revoked"]


class Visit(Wire):
    visit_id: Count
    client_id: Annotated[str, Field(max_length=36)]
    status: VisitStatus
    decided_at: AwareDatetime | None = None
    deny_reason: Annotated[str, Field(max_length=200)] | None = None
    pass_: PassOut | None = Field(default=None, alias="pass")


class Invitation(Wire):
    """POST /api/v1/invitations/lookup: whom a genuine invitation is for (masked) and its uses."""

    invitation_id: Annotated[int, Field(ge=0, le=2**32 - 1)]
    visitor_name_masked: Annotated[str, Field(max_length=100)]
    host: Annotated[str, Field(max_length=200)]
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    entries_allowed: Count
    entries_left: Count
    usable_now: bool


class PinItem(Wire):
    user: Annotated[str, Field(min_length=1, max_length=64)]
    pin_hash: Annotated[str, Field(min_length=1, max_length=255)]
    # What the PIN opens; a central from before roles sent only receptionists' and admins'
    # PINs for visitor approval, so a missing role is the one that opens least.
    # A role this kiosk does not know (a newer central) is kept out by the store, not refused
    # here: the other PINs must still arrive.
    role: Annotated[str, Field(min_length=1, max_length=32)] = "receptionist"


class Pins(Wire):
    """GET /api/v1/pins: kiosk PIN hashes (argon2) with their roles."""

    items: Annotated[list[PinItem], Field(max_length=1000)]


class HelpCallAck(Wire):
    """POST /api/v1/help-calls: the call reception sees; `created` false for a repeated press."""

    call_id: Annotated[int, Field(ge=1, le=2**62)]
    created: bool
    taken: bool


class KioskKeyAck(Wire):
    key_id: Annotated[int, Field(ge=0, le=255)]
    registered: bool


class UpdateItem(Wire):
    seq: Count
    kind: Short
    payload: dict[str, Any]
    created_at: datetime


class ActionUpdate(Wire):
    """The payload of an "action" update: a technician asked this kiosk to do something."""

    id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    action: Annotated[str, Field(min_length=1, max_length=32)]  # an unknown one is answered "failed"
    requested_by: Annotated[str, Field(max_length=64)]
    expires_at: AwareDatetime


class UpdatesPage(Wire):
    items: Annotated[list[UpdateItem], Field(max_length=1000)]
    next_cursor: Count


class Host(Wire):
    id: Count
    kind: Literal["unit", "company"]
    label: Annotated[str, Field(min_length=1, max_length=100)]
    detail: Annotated[str, Field(max_length=200)]


class Hosts(Wire):
    """The whole host directory (GET /api/v1/hosts); `version` moves on every change."""

    version: Count
    items: Annotated[list[Host], Field(max_length=10_000)]


Sha256Hex = Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]


class Blocklist(Wire):
    """GET /api/v1/blocklist: the kiosks' HMAC key (base64 of 32 bytes) and the hashes, under it,
    of lobby_core.id_documents.canonical_key for each active entry."""

    key: Annotated[str, Field(min_length=44, max_length=44, pattern=r"^[A-Za-z0-9+/]{43}=$")]
    hashes: Annotated[list[Sha256Hex], Field(max_length=1_000_000)]


M = TypeVar("M", bound=Wire)


def parse(model: type[M], data: Any, what: str) -> M:
    """Validate `data` as `model`; a mismatch is a protocol error naming the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(body)"
        raise CentralProtocolError(
            f"central's {what} answer is malformed at {where}: {first.get('msg', 'invalid')}"
            f" ({exc.error_count()} problem(s))"
        ) from None
