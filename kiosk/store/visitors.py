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
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, insert, select, update

from backend_client import wire

from .names import NameCipher, load_or_create_key
from .tables import SyncVisit

log = logging.getLogger(__name__)
_t = SyncVisit.__table__
ID_KEY_FILENAME = "visitor-ids.key"
_NONCE = 12
# Bound into every ID-number ciphertext with its visit's client id: a blob copied to another
# row, or decrypted as something else (a member name), fails instead of reading back.
_AD_PREFIX = b"lobby-kiosk visitor id number\x00"

IdType = Literal["cn_ric", "passport", "hk_macao_permit", "taiwan_permit", "other"]


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
    # Chosen by the kiosk: resending a registration central already has is harmless.
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_wire(self) -> dict[str, Any]:
        """The POST /api/v1/visits body."""
        body = asdict(self)
        if body["invitation"] is None:
            del body["invitation"]
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
            client_id=client_id)
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


def record(conn: Connection, v: wire.Visit, now: datetime) -> None:
    """Central's view of a visit (from POST /visits, GET /visits/{id} or a decision update)."""
    p = v.pass_
    conn.execute(
        update(_t).where(_t.c.client_id == v.client_id).values(
            visit_id=v.visit_id, status=v.status, deny_reason=v.deny_reason,
            pass_id=p.pass_id if p else None, pass_text=p.text if p else None,
            pass_valid_until=p.valid_until if p else None, updated_at=now,
            # Central has it now: the kiosk forgets the visitor's personal data.
            request_enc=None, id_number_enc=None))


def reject(conn: Connection, client_id: str, reason: str, now: datetime) -> None:
    conn.execute(update(_t).where(_t.c.client_id == client_id).values(
        status="rejected", deny_reason=reason[:200], request_enc=None, id_number_enc=None,
        updated_at=now))


def state(conn: Connection, client_id: str) -> VisitState | None:
    row = conn.execute(select(_t).where(_t.c.client_id == client_id)).first()
    if row is None:
        return None
    m = row._mapping
    return VisitState(m["client_id"], m["status"], m["visit_id"], m["deny_reason"], m["pass_id"],
                      m["pass_text"], m["pass_valid_until"])
