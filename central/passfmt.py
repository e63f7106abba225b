"""Adapter between the services and the pass wire format.

Interim format until central/passes/ lands (then this module delegates to it): QR-alphanumeric
text `LP1.<kid>.<base32(payload + ed25519 signature)>` for passes, `LI1.` for invitations.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class PassFormatError(ValueError):
    """The text is not a pass/invitation of ours, or its signature does not verify."""


@dataclass(frozen=True)
class PassClaims:
    pass_id: str
    visit_id: int
    valid_from: datetime
    valid_until: datetime
    facilities: tuple[str, ...]
    entries: int
    key_id: str = ""


@dataclass(frozen=True)
class InvitationClaims:
    code: str
    valid_from: datetime
    valid_until: datetime
    entries: int
    key_id: str = ""


def new_pass_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()


def new_invitation_code() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _unb32(text: str) -> bytes:
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise PassFormatError("not base32") from None


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def encode(claims: PassClaims | InvitationClaims, key_id: str, key: Ed25519PrivateKey) -> str:
    if isinstance(claims, PassClaims):
        fac = "|".join(claims.facilities).encode()
        body = (
            _unb32(claims.pass_id)
            + struct.pack(
                ">IIIB", claims.visit_id, _ts(claims.valid_from), _ts(claims.valid_until), claims.entries
            )
            + bytes([len(fac)])
            + fac
        )
        prefix = "LP1"
    else:
        body = _unb32(claims.code) + struct.pack(
            ">IIB", _ts(claims.valid_from), _ts(claims.valid_until), claims.entries
        )
        prefix = "LI1"
    head = f"{prefix}.{key_id}."
    sig = key.sign(head.encode() + body)
    return head + _b32(body + sig)


def decode(text: str, keys: dict[str, Ed25519PublicKey]) -> PassClaims | InvitationClaims:
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] not in ("LP1", "LI1"):
        raise PassFormatError("not a lobby pass")
    prefix, key_id, data = parts
    key = keys.get(key_id)
    if key is None:
        raise PassFormatError("unknown signing key")
    raw = _unb32(data)
    if len(raw) < 64 + 10:
        raise PassFormatError("too short")
    body, sig = raw[:-64], raw[-64:]
    try:
        key.verify(sig, f"{prefix}.{key_id}.".encode() + body)
    except InvalidSignature:
        raise PassFormatError("signature does not verify") from None
    try:
        if prefix == "LP1":
            visit_id, vf, vu, entries = struct.unpack(">IIIB", body[10:23])
            n = body[23]
            facilities = tuple(f for f in body[24 : 24 + n].decode().split("|") if f)
            return PassClaims(
                pass_id=_b32(body[:10]),
                visit_id=visit_id,
                valid_from=_dt(vf),
                valid_until=_dt(vu),
                facilities=facilities,
                entries=entries,
                key_id=key_id,
            )
        vf, vu, entries = struct.unpack(">IIB", body[10:19])
        return InvitationClaims(
            code=_b32(body[:10]), valid_from=_dt(vf), valid_until=_dt(vu), entries=entries, key_id=key_id
        )
    except (struct.error, IndexError, UnicodeDecodeError):
        raise PassFormatError("malformed payload") from None
