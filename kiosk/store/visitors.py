"""The visitor queue: registrations kept (encrypted) until central has them, then central's
decision on each.

The ID number is the most sensitive thing the kiosk ever holds, so it lives in its own column
under its own key file (ID_KEY_FILENAME, beside the member-name key), apart from the rest of
the registration: a leaked member-name key does not reveal it. Both are dropped the moment
central acknowledges the visit.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, delete, func, insert, select, update

from backend_client import wire
from lobby_core.id_documents import IdType
from lobby_core.masking import mask_name

from .names import NameCipher, load_or_create_key
from .tables import SyncVisit

log = logging.getLogger(__name__)
_t = SyncVisit.__table__
ID_KEY_FILENAME = "visitor-ids.key"
_NONCE = 12
# Bound into every ID-number ciphertext with its visit's client id: a blob copied to another
# row, or decrypted as something else (a member name), fails instead of reading back.
_AD_PREFIX = b"lobby-kiosk visitor id number\x00"

# Still waiting for central: the only statuses the desk waits on, and never purged.
OPEN = ("queued", "pending")


@dataclass(frozen=True, slots=True)
class VisitorRequest:
    """One registration, with exactly the fields central's POST /api/v1/visits takes
    (central.schemas.VisitCreate). Personal fields stay out of repr, so out of logs."""

    id_type: IdType
    id_number: str = field(repr=False)
    name: str = field(repr=False)
    mobile: str = field(repr=False)
    host: str
    purpose: str
    party_size: int = 1
    invitation: str | None = field(default=None, repr=False)  # the scanned invitation QR text
    id_country: str | None = None  # a passport's issuing country (ISO 3166 alpha-3)
    # Chosen by the kiosk: resending a registration central already has is harmless.
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_wire(self) -> dict[str, Any]:
        """The POST /api/v1/visits body."""
        body = asdict(self)
        for optional in ("invitation", "id_country"):
            if body[optional] is None:
                del body[optional]  # an older central refuses keys it does not know
        return body


@dataclass(frozen=True, slots=True)
class QueuedVisit:
    client_id: str
    request: VisitorRequest | None  # None: it no longer decrypts (a key replaced) or reads


@dataclass(frozen=True, slots=True)
class VisitState:
    client_id: str
    status: str  # queued | pending | approved | denied | expired | revoked | rejected
    visit_id: int | None
    deny_reason: str | None
    pass_id: int | None
    pass_text: str | None
    pass_valid_until: datetime | None
    created_at: datetime | None = None
    name_masked: str | None = None  # what the slip shows; kept after the personal data goes
    host: str | None = None


class IdNumberCipher:
    """AES-256-GCM for visitor ID numbers, as NameCipher does for names, with its own key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def in_dir(cls, data_dir: Path) -> IdNumberCipher:
        return cls(load_or_create_key(data_dir / ID_KEY_FILENAME, "visitor ID-number key"))

    def encrypt(self, client_id: str, id_number: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, id_number.encode(), _AD_PREFIX + client_id.encode())

    def decrypt(self, client_id: str, blob: bytes) -> str | None:
        try:
            return self._aead.decrypt(blob[:_NONCE], blob[_NONCE:],
                                      _AD_PREFIX + client_id.encode()).decode()
        except (InvalidTag, ValueError):
            return None


def queue(conn: Connection, names: NameCipher, ids: IdNumberCipher, request: VisitorRequest,
          now: datetime) -> str:
    """Keep a registration until central acknowledges it; returns its client id."""
    rest = {k: v for k, v in request.to_wire().items() if k != "id_number"}
    conn.execute(insert(_t).values(
        client_id=request.client_id, created_at=now, updated_at=now, status="queued",
        request_enc=names.encrypt(request.client_id, json.dumps(rest, ensure_ascii=False)),
        id_number_enc=ids.encrypt(request.client_id, request.id_number)))
    return request.client_id


def _request(client_id: str, data: Any, id_number: str | None) -> VisitorRequest | None:
    if not isinstance(data, dict) or id_number is None:
        return None
    try:
        return VisitorRequest(
            id_type=data["id_type"], id_number=id_number, name=data["name"],
            mobile=data["mobile"], host=data["host"], purpose=data["purpose"],
            party_size=int(data.get("party_size", 1)), invitation=data.get("invitation"),
            id_country=data.get("id_country"), client_id=client_id)
    except (KeyError, TypeError, ValueError):
        return None


def queued(conn: Connection, names: NameCipher, ids: IdNumberCipher, limit: int = 20) -> list[QueuedVisit]:
    """Registrations not yet sent, oldest first."""
    rows = conn.execute(
        select(_t.c.client_id, _t.c.request_enc, _t.c.id_number_enc)
        .where(_t.c.status == "queued").order_by(_t.c.created_at).limit(limit)
    ).all()
    out = []
    for client_id, blob, id_blob in rows:
        try:
            data = json.loads(names.decrypt(client_id, blob or b"") or "null")
        except ValueError:
            data = None
        if id_blob is not None:
            id_number = ids.decrypt(client_id, id_blob)
        else:
            # Queued by revision 0003, which kept the ID number inside the registration.
            id_number = data.pop("id_number", None) if isinstance(data, dict) else None
        out.append(QueuedVisit(client_id, _request(client_id, data, id_number)))
    return out


def _slip_fields(names: NameCipher, client_id: str, blob: bytes | None) -> dict[str, str]:
    """The masked name and the host from a still-encrypted registration (empty if none)."""
    if blob is None:
        return {}
    try:
        data = json.loads(names.decrypt(client_id, blob) or "null")
    except ValueError:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return {}
    return {"name_masked": mask_name(data["name"])[:100], "host": str(data.get("host", ""))[:200]}


def record(conn: Connection, names: NameCipher, v: wire.Visit, now: datetime) -> None:
    """Central's view of a visit (from POST /visits, GET /visits/{id} or a decision update).

    Central has the registration now: the kiosk forgets the visitor's personal data and keeps
    what the pass and the slip need (the pass, the masked name, the host)."""
    p = v.pass_
    blob = conn.execute(select(_t.c.request_enc).where(_t.c.client_id == v.client_id)).scalar()
    conn.execute(
        update(_t).where(_t.c.client_id == v.client_id).values(
            visit_id=v.visit_id, status=v.status, deny_reason=v.deny_reason,
            pass_id=p.pass_id if p else None, pass_text=p.text if p else None,
            pass_valid_until=p.valid_until if p else None, updated_at=now,
            request_enc=None, id_number_enc=None, **_slip_fields(names, v.client_id, blob)))


def reject(conn: Connection, client_id: str, reason: str, now: datetime) -> None:
    conn.execute(update(_t).where(_t.c.client_id == client_id).values(
        status="rejected", deny_reason=reason[:200], request_enc=None, id_number_enc=None,
        updated_at=now))


def state(conn: Connection, names: NameCipher, client_id: str) -> VisitState | None:
    row = conn.execute(select(_t).where(_t.c.client_id == client_id)).first()
    if row is None:
        return None
    return _state(names, row._mapping)


def _state(names: NameCipher, m: Any) -> VisitState:
    # Before central has it the slip's fields are still inside the encrypted registration.
    slip = _slip_fields(names, m["client_id"], m["request_enc"]) if m["name_masked"] is None else {}
    return VisitState(m["client_id"], m["status"], m["visit_id"], m["deny_reason"], m["pass_id"],
                      m["pass_text"], m["pass_valid_until"], m["created_at"],
                      slip.get("name_masked", m["name_masked"]), slip.get("host", m["host"]))


def open_visits(conn: Connection, names: NameCipher) -> list[VisitState]:
    """Registrations central has not decided yet (queued or pending), oldest first: what a
    restarted kiosk resumes waiting for."""
    rows = conn.execute(select(_t).where(_t.c.status.in_(OPEN)).order_by(_t.c.created_at)).all()
    return [_state(names, r._mapping) for r in rows]


def purge_ended(conn: Connection, ended_before: datetime) -> int:
    """Delete visits that ended before `ended_before`: an approved one ends when its pass does,
    any other decided one when it was decided (its last update). Open ones are never purged."""
    ended = func.coalesce(_t.c.pass_valid_until, _t.c.updated_at)
    result = conn.execute(delete(_t).where(_t.c.status.not_in(OPEN), ended < ended_before))
    return int(result.rowcount or 0)
