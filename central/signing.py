"""Keep the pass-signing key ring in the database and sign with lobby_core.passes.

One active key signs; `rotate()` retires it and makes a fresh one. A retired key is still
published (GET /api/v1/keys, `retire_after`) until the last code it signed expires, so
rotation never invalidates a pass already printed. Keys live in the database (private halves
encrypted with the data key) so every API process signs with the same ring; each process
rebuilds a lobby_core.passes.KeyRing from the rows when it signs.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lobby_core import passes
from lobby_core.passes.keys import private_key_from_raw, private_key_to_raw, public_key_to_raw

from .models import KioskKey
from .models import SigningKey as KeyRow
from .secrets_store import Secrets

FACILITIES = passes.DEFAULT_FACILITIES
U32_MAX = 2**32 - 1


def new_code_id() -> int:
    """A random id for a pass (u32 on the wire); callers check it is unused."""
    return secrets.randbelow(U32_MAX) + 1


class Signer:
    def __init__(self, secrets_: Secrets, rotation: timedelta) -> None:
        self._secrets = secrets_
        self._rotation = rotation
        self._private: dict[int, passes.SigningKey] = {}  # by row id; keys never change

    # -- the ring ---------------------------------------------------------------------------

    def _published_rows(self, session: Session, now: datetime) -> list[KeyRow]:
        return list(
            session.execute(
                select(KeyRow)
                .where(or_(KeyRow.retired_at.is_(None), KeyRow.accept_until > now))
                .order_by(KeyRow.created_at, KeyRow.id)
            ).scalars()
        )

    def _create(self, session: Session, now: datetime) -> KeyRow:
        taken = {r.key_id for r in self._published_rows(session, now)}
        # Kiosks' own keys (PIN approvals) share the one-byte id space: never take theirs.
        taken |= set(session.execute(
            select(KioskKey.key_id).where(or_(KioskKey.retired_at.is_(None), KioskKey.retire_after > now))
        ).scalars())
        while True:  # key ids are one byte: never reuse one a kiosk may still trust
            key = passes.SigningKey(Ed25519PrivateKey.generate(), now)
            if key.key_id not in taken:
                break
        row = KeyRow(
            key_id=key.key_id,
            private_key_enc=self._secrets.encrypt(private_key_to_raw(key.private_key)),
            public_key=public_key_to_raw(key.public_key),
            created_at=now,
        )
        session.add(row)
        session.flush()
        self._private[row.id] = key
        return row

    def active(self, session: Session, now: datetime) -> KeyRow:
        """The row of the key that signs now; made (or rotated) on demand."""
        row = session.execute(
            select(KeyRow)
            .where(KeyRow.retired_at.is_(None))
            .order_by(KeyRow.created_at.desc(), KeyRow.id.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if row is None:
            return self._create(session, now)
        if now - row.created_at >= self._rotation:
            return self.rotate(session, now)
        return row

    def rotate(self, session: Session, now: datetime) -> KeyRow:
        for old in session.execute(select(KeyRow).where(KeyRow.retired_at.is_(None))).scalars():
            old.retired_at = now
        return self._create(session, now)

    def _key(self, row: KeyRow) -> passes.SigningKey:
        key = self._private.get(row.id)
        if key is None:
            key = passes.SigningKey(
                private_key_from_raw(self._secrets.decrypt(row.private_key_enc)), row.created_at
            )
            self._private[row.id] = key
        return key

    def ring(self, session: Session, now: datetime) -> passes.KeyRing:
        """A KeyRing of the active key and every retired key still trusted."""
        active = self.active(session, now)
        entries = [
            (self._key(r), None if r.id == active.id else r.accept_until)
            for r in self._published_rows(session, now)
            if r.id == active.id or r.retired_at
        ]
        return passes.KeyRing(entries, clock=lambda: now)

    # -- signing ----------------------------------------------------------------------------

    def _note_expiry(self, session: Session, now: datetime, valid_until: datetime) -> None:
        row = self.active(session, now)
        if row.accept_until is None or row.accept_until < valid_until:
            row.accept_until = valid_until

    def sign_pass(self, session: Session, claims: passes.PassClaims, now: datetime) -> str:
        """The QR text of a pass; raises passes.InvalidClaims if it cannot be carried."""
        ring = self.ring(session, now)
        text = passes.encode_pass(claims, ring, FACILITIES)
        # The wire rounds valid_until up to a minute: trust the key until the rounded time.
        self._note_expiry(session, now, passes.decode_pass(text, ring, FACILITIES).valid_until)
        return text

    def sign_invitation(self, session: Session, claims: passes.InvitationClaims, now: datetime) -> str:
        ring = self.ring(session, now)
        text = passes.encode_invitation(claims, ring)
        self._note_expiry(session, now, passes.decode_invitation(text, ring).valid_until)
        return text

    def published(self, session: Session, now: datetime) -> list[dict[str, Any]]:
        """What kiosks get: [{key_id, alg, public_key, retire_after}] (passes.TrustedKeys reads it)."""
        return self.ring(session, now).published()

    def verifier(self, session: Session, now: datetime) -> passes.TrustedKeys:
        return passes.TrustedKeys.from_published(self.published(session, now))
