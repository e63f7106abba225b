"""Sign visitor passes and invitations with the service's Ed25519 key ring, kept in the database.

The ring: one active key signs; `rotate()` retires it and makes a fresh one. A retired key is
still published (GET /api/v1/keys) until the last pass it signed expires, so rotation never
invalidates a pass already printed. The compact QR wire format lives in central/passes/; this
module only chooses keys and stores them (private halves encrypted with the data key).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import passfmt
from .models import SigningKey
from .secrets_store import Secrets

PassClaims = passfmt.PassClaims
InvitationClaims = passfmt.InvitationClaims
SignatureError = passfmt.PassFormatError


@dataclass(frozen=True)
class PublicKeyInfo:
    key_id: str
    algorithm: str
    public_key: str  # raw 32 bytes, urlsafe base64 without padding
    created_at: datetime
    retired_at: datetime | None
    accept_until: datetime | None


def _key_id(public_raw: bytes) -> str:
    # Short and QR-alphanumeric: 5 bytes of the key's digest in base32.
    return base64.b32encode(hashlib.sha256(public_raw).digest()[:5]).decode()


class Signer:
    def __init__(self, secrets: Secrets, rotation: timedelta) -> None:
        self._secrets = secrets
        self._rotation = rotation
        self._private: dict[str, Ed25519PrivateKey] = {}

    def _create(self, session: Session, now: datetime) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        raw_priv = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw_pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        row = SigningKey(
            key_id=_key_id(raw_pub),
            private_key_enc=self._secrets.encrypt(raw_priv),
            public_key=raw_pub,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return row

    def active(self, session: Session, now: datetime) -> SigningKey:
        """The key that signs now; made (or rotated) on demand."""
        row = session.execute(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            return self._create(session, now)
        if now - row.created_at >= self._rotation:
            return self.rotate(session, now)
        return row

    def rotate(self, session: Session, now: datetime) -> SigningKey:
        for old in session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None))).scalars():
            old.retired_at = now
        return self._create(session, now)

    def _private_key(self, row: SigningKey) -> Ed25519PrivateKey:
        key = self._private.get(row.key_id)
        if key is None:
            key = Ed25519PrivateKey.from_private_bytes(self._secrets.decrypt(row.private_key_enc))
            self._private[row.key_id] = key
        return key

    def _sign(self, session: Session, now: datetime, valid_until: datetime, payload_for: object) -> str:
        row = self.active(session, now)
        if row.accept_until is None or row.accept_until < valid_until:
            row.accept_until = valid_until
        return passfmt.encode(payload_for, row.key_id, self._private_key(row))  # type: ignore[arg-type]

    def sign_pass(self, session: Session, claims: PassClaims, now: datetime) -> str:
        return self._sign(session, now, claims.valid_until, claims)

    def sign_invitation(self, session: Session, claims: InvitationClaims, now: datetime) -> str:
        return self._sign(session, now, claims.valid_until, claims)

    def public_keys(self, session: Session, now: datetime) -> list[PublicKeyInfo]:
        rows = session.execute(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.accept_until > now))
            .order_by(SigningKey.created_at)
        ).scalars()
        return [
            PublicKeyInfo(
                key_id=r.key_id,
                algorithm="Ed25519",
                public_key=base64.urlsafe_b64encode(r.public_key).rstrip(b"=").decode(),
                created_at=r.created_at,
                retired_at=r.retired_at,
                accept_until=r.accept_until,
            )
            for r in rows
        ]

    def verifier_keys(self, session: Session, now: datetime) -> dict[str, Ed25519PublicKey]:
        return {
            info.key_id: Ed25519PublicKey.from_public_bytes(
                base64.urlsafe_b64decode(info.public_key + "=" * (-len(info.public_key) % 4))
            )
            for info in self.public_keys(session, now)
        }

    def verify(self, session: Session, text: str, now: datetime) -> PassClaims | InvitationClaims:
        return passfmt.decode(text, self.verifier_keys(session, now))
