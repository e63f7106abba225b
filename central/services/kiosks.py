"""Kiosk lifecycle: create with a one-time enrollment code, enroll for a bearer token, revoke,
record heartbeats, and list kiosks with their health for the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import tokens
from ..context import Central
from ..errors import Conflict, NotFound, Unauthorized
from ..models import Kiosk, utcnow

ENROLLMENT_CODE_TTL = timedelta(days=7)
# A kiosk heartbeats every ~30 s; the console shows it as late after this long.
HEARTBEAT_LATE = timedelta(minutes=2)


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
    return code


def enroll(central: Central, code: str) -> tuple[int, str, str]:
    """Trade a one-time code for a bearer token; returns (kiosk id, name, token)."""
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
        raise Unauthorized("enrollment code is unknown, used already, or expired", code="bad_enrollment_code")
    return row[0], row[1], token


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


def record_heartbeat(
    central: Central,
    kiosk_id: int,
    *,
    sent_at: datetime,
    versions: dict[str, str],
    devices: list[dict[str, Any]],
    outbox_depth: int,
    address: str | None,
) -> int:
    """Store the latest health report; returns the kiosk's clock skew in ms (kiosk minus server)."""
    now = utcnow()
    skew = int((sent_at - now).total_seconds() * 1000)
    with central.db.writing() as s:
        s.execute(
            update(Kiosk)
            .where(Kiosk.id == kiosk_id)
            .values(
                last_heartbeat_at=now,
                clock_skew_ms=skew,
                outbox_depth=outbox_depth,
                versions=versions,
                health=devices,
                last_address=address,
            )
        )
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
        )
        for k in rows
    ]


def names(central: Central) -> list[tuple[int, str]]:
    """(id, name) of every kiosk by name, revoked ones too (the visit log's kiosk filter)."""
    with central.db.reading() as s:
        return [(i, n) for i, n in s.execute(select(Kiosk.id, Kiosk.name).order_by(Kiosk.name))]
