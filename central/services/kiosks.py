"""Kiosk lifecycle: create with a one-time enrollment code, enroll for a bearer token, register
the kiosk's own pass-signing key, revoke, record heartbeats, and list kiosks with their health
for the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lobby_core import passes
from lobby_core.passes.keys import public_key_from_raw

from .. import counters, tokens
from ..context import Central
from ..errors import Conflict, Invalid, NotFound, Unauthorized
from ..models import Kiosk, KioskKey, utcnow

ENROLLMENT_CODE_TTL = timedelta(days=7)
# A kiosk heartbeats every ~30 s; the console shows it as late after this long.
HEARTBEAT_LATE = timedelta(minutes=2)
# The longest validity of a pass a kiosk signs (kiosk.app.pin_approval.MAX_VALIDITY, tied by a
# test): a kiosk key is published this long (plus the passes' clock skew) after it is retired.
KIOSK_PASS_MAX_VALIDITY = timedelta(hours=24)
KIOSK_KEY_GRACE = KIOSK_PASS_MAX_VALIDITY + passes.DEFAULT_SKEW
KIOSK_KEYS_LOCK = "kiosk_keys"  # a counter row: registrations of kiosk keys take turns


@dataclass(frozen=True)
class KioskStatus:
    id: int
    name: str
    enrolled: bool
    revoked: bool
    last_heartbeat_at: datetime | None
    late: bool
    outbox_depth: int | None
    clock_skew_ms: int | None
    versions: dict[str, Any]
    health: list[dict[str, Any]]
    diag: dict[str, Any] | None = None  # lobby_core.diagnostics.Report JSON, as received
    diag_received_at: datetime | None = None


def create_kiosk(central: Central, name: str) -> tuple[int, str]:
    """A new kiosk; returns (kiosk id, one-time enrollment code shown once)."""
    name = name.strip()
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise ValueError("kiosk name must be 1 to 64 printable characters")
    code = tokens.new_enrollment_code()
    try:
        with central.db.writing() as s:
            k = Kiosk(
                name=name,
                enrollment_code_hash=tokens.hash_enrollment_code(code),
                enrollment_expires_at=utcnow() + ENROLLMENT_CODE_TTL,
            )
            s.add(k)
            s.flush()
            return k.id, code
    except IntegrityError:
        raise Conflict(f"a kiosk named {name!r} exists already") from None


def reissue_code(central: Central, kiosk_id: int) -> str:
    """A fresh enrollment code (e.g. the kiosk's SD card was replaced); the old token stops working."""
    code = tokens.new_enrollment_code()
    with central.db.writing() as s:
        k = s.get(Kiosk, kiosk_id)
        if k is None:
            raise NotFound("no such kiosk")
        k.enrollment_code_hash = tokens.hash_enrollment_code(code)
        k.enrollment_expires_at = utcnow() + ENROLLMENT_CODE_TTL
        k.token_hash = None
        k.revoked_at = None
        _retire_keys(s, kiosk_id, utcnow())  # the old SD card's key signs nothing new
    return code


def enroll(central: Central, code: str, public_key: bytes | None = None) -> tuple[int, str, str]:
    """Trade a one-time code for a bearer token; returns (kiosk id, name, token).

    With `public_key` (raw Ed25519) the kiosk's signing key is registered in the same
    transaction; a key id already taken is a Conflict and the code stays unused.
    """
    code_hash = tokens.hash_enrollment_code(code)
    token = tokens.new_token()
    now = utcnow()
    with central.db.writing() as s:
        # One UPDATE that clears the code: two kiosks racing with the same code cannot both win.
        row = s.execute(
            update(Kiosk)
            .where(
                Kiosk.enrollment_code_hash == code_hash,
                Kiosk.enrollment_expires_at > now,
                Kiosk.revoked_at.is_(None),
            )
            .values(
                enrollment_code_hash=None,
                enrollment_expires_at=None,
                token_hash=tokens.hash_token(token),
                enrolled_at=now,
            )
            .returning(Kiosk.id, Kiosk.name)
        ).one_or_none()
        if row is None:
            raise Unauthorized(
                "enrollment code is unknown, used already, or expired", code="bad_enrollment_code"
            )
        # A kiosk enrolled anew (a new SD card) signs with a new key: its old one retires.
        _retire_keys(s, row[0], now)
        if public_key is not None:
            _register_key(central, s, row[0], public_key, now)
    return row[0], row[1], token


# -- the kiosks' own pass-signing keys ---------------------------------------------------------


def _retire_keys(s: Session, kiosk_id: int, now: datetime) -> None:
    """Stop trusting a kiosk's active key for new passes; it stays published until every pass
    it can have signed has expired."""
    s.execute(
        update(KioskKey)
        .where(KioskKey.kiosk_id == kiosk_id, KioskKey.retired_at.is_(None))
        .values(retired_at=now, retire_after=now + KIOSK_KEY_GRACE)
    )


def _published_kiosk_keys(s: Session, now: datetime) -> list[KioskKey]:
    return list(
        s.execute(
            select(KioskKey)
            .where(or_(KioskKey.retired_at.is_(None), KioskKey.retire_after > now))
            .order_by(KioskKey.created_at, KioskKey.id)
        ).scalars()
    )


def _register_key(central: Central, s: Session, kiosk_id: int, raw: bytes, now: datetime) -> bool:
    """Make `raw` the kiosk's signing key; False if it was already. Conflict if its key id is
    one a kiosk may still trust for another key (central's or another kiosk's)."""
    try:
        key = public_key_from_raw(raw)
    except passes.BadTrustData:
        raise Invalid(
            "public_key must be a raw Ed25519 public key (32 bytes)", code="bad_public_key"
        ) from None
    counters.reserve(s, KIOSK_KEYS_LOCK)  # row-locks until commit: no two registrations race
    current = s.execute(
        select(KioskKey).where(KioskKey.kiosk_id == kiosk_id, KioskKey.retired_at.is_(None))
    ).scalar_one_or_none()
    if current is not None and current.public_key == bytes(raw):
        return False
    key_id = passes.key_id_for(key)
    taken = {int(k["key_id"]) for k in central.signer.published(s, now)}
    taken |= {k.key_id for k in _published_kiosk_keys(s, now)}
    if key_id in taken:
        # One byte of key id: the kiosk draws a fresh key and tries again.
        raise Conflict(f"key id {key_id} is taken; generate another key", code="key_id_taken")
    _retire_keys(s, kiosk_id, now)
    s.add(KioskKey(kiosk_id=kiosk_id, key_id=key_id, public_key=bytes(raw), created_at=now))
    s.flush()
    return True


def register_key(central: Central, kiosk_id: int, raw: bytes) -> bool:
    """POST /api/v1/kiosk-key: an enrolled kiosk's signing key; True if it is new."""
    with central.db.writing() as s:
        return _register_key(central, s, kiosk_id, raw, utcnow())


def published_keys(central: Central, taken: set[int], now: datetime | None = None) -> list[dict[str, Any]]:
    """Kiosks' public keys as passes.PublishedKey dicts, leaving out any whose id is in `taken`
    (central's): a duplicate id would make every kiosk refuse the whole list."""
    now = now or utcnow()
    out: list[dict[str, Any]] = []
    with central.db.reading() as s:
        for k in _published_kiosk_keys(s, now):
            if k.key_id in taken:
                continue
            taken = taken | {k.key_id}
            key = passes.PublishedKey(k.key_id, public_key_from_raw(k.public_key), k.retire_after)
            out.append(key.to_dict())
    return out


def kiosk_verifier(s: Session, kiosk_id: int, now: datetime) -> passes.TrustedKeys:
    """The keys this kiosk's passes may be signed with (active, and retired ones still trusted)."""
    return passes.TrustedKeys(
        passes.PublishedKey(k.key_id, public_key_from_raw(k.public_key), k.retire_after)
        for k in _published_kiosk_keys(s, now)
        if k.kiosk_id == kiosk_id
    )


def kiosk_for_token(session: Session, token: str) -> Kiosk | None:
    k = session.execute(
        select(Kiosk).where(Kiosk.token_hash == tokens.hash_token(token))
    ).scalar_one_or_none()
    if k is None or k.revoked_at is not None:
        return None
    return k


def identify(central: Central, token: str) -> tuple[int, str] | None:
    """(id, name) of the kiosk holding this bearer token; None if unknown or revoked."""
    with central.db.reading() as s:
        k = kiosk_for_token(s, token)
        return None if k is None else (k.id, k.name)


def revoke_kiosk(central: Central, kiosk_id: int) -> None:
    with central.db.writing() as s:
        k = s.get(Kiosk, kiosk_id)
        if k is None:
            raise NotFound("no such kiosk")
        k.revoked_at = utcnow()
        k.token_hash = None
        k.enrollment_code_hash = None
        # Passes it signed stay verifiable until they expire, then its key is no longer published.
        _retire_keys(s, kiosk_id, k.revoked_at)


def record_heartbeat(
    central: Central,
    kiosk_id: int,
    *,
    sent_at: datetime,
    versions: dict[str, str],
    devices: list[dict[str, Any]],
    outbox_depth: int,
    address: str | None,
    diag: dict[str, Any] | None = None,
) -> int:
    """Store the latest health report; returns the kiosk's clock skew in ms (kiosk minus server).
    `diag` (a checked diagnostics report) replaces the stored one; without it the last stays."""
    now = utcnow()
    skew = int((sent_at - now).total_seconds() * 1000)
    values: dict[str, Any] = {
        "last_heartbeat_at": now,
        "clock_skew_ms": skew,
        "outbox_depth": outbox_depth,
        "versions": versions,
        "health": devices,
        "last_address": address,
    }
    if diag is not None:
        values |= {"diag": diag, "diag_received_at": now}
    with central.db.writing() as s:
        s.execute(update(Kiosk).where(Kiosk.id == kiosk_id).values(**values))
    return skew


def list_kiosks(central: Central, now: datetime | None = None) -> list[KioskStatus]:
    now = now or utcnow()
    with central.db.reading() as s:
        rows = s.execute(select(Kiosk).order_by(Kiosk.name)).scalars().all()
    return [
        KioskStatus(
            id=k.id,
            name=k.name,
            enrolled=k.enrolled_at is not None and k.token_hash is not None,
            revoked=k.revoked_at is not None,
            last_heartbeat_at=k.last_heartbeat_at,
            late=k.revoked_at is None
            and (k.last_heartbeat_at is None or now - k.last_heartbeat_at > HEARTBEAT_LATE),
            outbox_depth=k.outbox_depth,
            clock_skew_ms=k.clock_skew_ms,
            versions=k.versions or {},
            health=k.health or [],
            diag=k.diag,
            diag_received_at=k.diag_received_at,
        )
        for k in rows
    ]


def status(central: Central, kiosk_id: int, now: datetime | None = None) -> KioskStatus:
    """One kiosk's status as list_kiosks() shows it; NotFound if there is none."""
    for k in list_kiosks(central, now):
        if k.id == kiosk_id:
            return k
    raise NotFound("no such kiosk")


def names(central: Central) -> list[tuple[int, str]]:
    """(id, name) of every kiosk by name, revoked ones too (the visit log's kiosk filter)."""
    with central.db.reading() as s:
        return [(i, n) for i, n in s.execute(select(Kiosk.id, Kiosk.name).order_by(Kiosk.name))]
