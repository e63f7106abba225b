"""Signed invitation codes: the QR a receptionist sends an invited visitor ahead of time.

Same envelope and keys as visitor passes (codec.py), kind 0x02, body (10 bytes; whole code
76 bytes -> 112 symbols -> QR version 5-M):

    offset size  field
    2      4     invitation id, 0..2**32-1
    6      4     valid from, minutes since codec.EPOCH, rounded down
    10     2     validity in minutes, 1..65535 (45.5 days), rounded up

Decision: no personal data in the code. An invitation QR is forwarded by chat and mail,
photographed and left on screens, so the visitor's name, ID number, mobile and host stay
out of it. The code proves only "the central service invited someone, this id, this
window". The kiosk shows the rest (masked name, host, party size) from the invitation
lookup on the central API, or from its synced local copy when offline; with neither it
still knows the invitation is genuine and current and can take the visitor through the
normal form. Facilities and entries belong to the pass issued when the invitation is used,
so the invitation cannot be used at a turnstile by itself (decode_pass refuses it: WrongKind).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

from .codec import (
    DEFAULT_SKEW,
    KIND_INVITATION,
    RevocationCheck,
    ValidityWindow,
    check_id,
    decode_kind,
    register_kind,
    seal,
    window_from_wire,
    window_to_wire,
)
from .facilities import FacilityTable
from .keys import Signer, Verifier

_BODY = struct.Struct(">IIH")


@dataclass(frozen=True)
class InvitationClaims(ValidityWindow):
    """What an invitation says. `key_id` is filled in by decoding and ignored by encoding."""

    invitation_id: int
    valid_from: datetime
    valid_until: datetime
    key_id: int | None = None


def encode_invitation(claims: InvitationClaims, signer: Signer) -> str:
    """Sign an invitation; InvalidClaims if it cannot be carried."""
    start, minutes = window_to_wire(claims.valid_from, claims.valid_until)
    body = _BODY.pack(check_id(claims.invitation_id, "invitation_id"), start, minutes)
    return seal(KIND_INVITATION, body, signer, window_from_wire(start, minutes)[1])


def _parse(body: bytes, key_id: int, _facilities: FacilityTable) -> InvitationClaims:
    invitation_id, start, minutes = _BODY.unpack(body)
    valid_from, valid_until = window_from_wire(start, minutes)
    return InvitationClaims(invitation_id, valid_from, valid_until, key_id)


register_kind(KIND_INVITATION, _BODY.size, _parse)


def decode_invitation(text: object, verifier: Verifier) -> InvitationClaims:
    """A genuine invitation, or a PassError; call .validate(now) for its window."""
    claims: InvitationClaims = decode_kind(text, verifier, KIND_INVITATION)
    return claims


def check_invitation(
    text: object,
    verifier: Verifier,
    *,
    now: datetime,
    revocations: RevocationCheck | None = None,
    skew: timedelta = DEFAULT_SKEW,
) -> InvitationClaims:
    """Genuine, within its window (± skew) and not cancelled; the caller looks up the rest."""
    claims = decode_invitation(text, verifier)
    claims.validate(now, skew)
    if revocations is not None:
        revocations.check(claims)
    return claims
