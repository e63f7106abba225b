"""Encode, sign, decode and verify visitor passes: the compact wire format scanned at gates.

Importable by the kiosk with only `cryptography` installed (no server imports).

Every code shares one envelope, big-endian, then written with `base44` (QR alphanumeric
symbols minus the space):

    offset size  field
    0      1     kind: 0x01 visitor pass v1, 0x02 invitation v1 (0x00, others: reserved)
    1      1     key id of the signing key (keys.key_id_for)
    2      n     body, fixed size per kind
    2+n    64    Ed25519 signature over CONTEXT + bytes 0..2+n

Visitor pass v1 body (17 bytes; whole code 83 bytes -> 122 symbols -> QR version 5-M):

    2      4     pass id, 0..2**32-1
    6      4     visit id, 0..2**32-1
    10     4     valid from, minutes since EPOCH (2024-01-01T00:00Z), rounded down
    14     2     validity in minutes, 1..65535 (45.5 days); valid until = from + this, rounded up
    16     2     facilities bitmask (facilities.FacilityTable: bit i = i-th name)
    18     1     entries allowed, 1..255; 0 = unlimited

A new layout gets a new kind byte, never a changed meaning of an old one. Decoding is a
hostile boundary: whatever a scanner delivers either yields claims whose signature verified
or raises one PassError subclass (BadFormat, WrongKind, UnknownKey, BadSignature). Time is a
separate step, `claims.validate(now, skew)` (NotYetValid, Expired), and revocation another
(revocation.RevocationList.check); `check_pass` does all three as a kiosk gate needs.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from . import base44
from .errors import BadFormat, Expired, InvalidClaims, NotYetValid, WrongKind
from .facilities import DEFAULT_FACILITIES, FacilityTable
from .keys import Signer, Verifier, verify_signature

KIND_PASS = 0x01
KIND_INVITATION = 0x02
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SIGNATURE_SIZE = 64
HEADER_SIZE = 2
# Domain separation: these keys' signatures can never be replayed as some other protocol's.
CONTEXT = b"lobby-kiosk/signed-code\x00"
DEFAULT_SKEW = timedelta(minutes=2)
# Scanners end a read with CR/LF (sometimes a tab); nothing else is forgiven.
_TERMINATORS = "\r\n\t "

_MINUTE = timedelta(minutes=1)
U32_MAX = 2**32 - 1
MAX_VALIDITY_MINUTES = 2**16 - 1
MAX_ENTRIES = 255

_PASS_BODY = struct.Struct(">IIIHHB")

# kind -> (body size, parser of a verified body). invitation.py registers its own kind.
Parser = Callable[[bytes, int, FacilityTable], Any]
_KINDS: dict[int, tuple[int, Parser]] = {}


def register_kind(kind: int, body_size: int, parse: Parser) -> None:
    if kind in _KINDS or not 0 < kind < 0xFF:
        raise ValueError(f"kind byte {kind:#04x} is taken or reserved")
    _KINDS[kind] = (body_size, parse)


# --- time ----------------------------------------------------------------------------------


def _aware(moment: object, what: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidClaims(f"{what} must be a timezone-aware datetime")
    return moment


def window_to_wire(valid_from: datetime, valid_until: datetime) -> tuple[int, int]:
    """(minutes since EPOCH, validity minutes), rounding the window outwards to whole minutes."""
    start = (_aware(valid_from, "valid_from") - EPOCH) // _MINUTE
    end = -((EPOCH - _aware(valid_until, "valid_until")) // _MINUTE)
    if not 0 <= start <= U32_MAX:
        raise InvalidClaims(f"valid_from must be on or after {EPOCH.isoformat()}")
    if not 0 < end - start <= MAX_VALIDITY_MINUTES:
        raise InvalidClaims(
            f"the validity window must be 1..{MAX_VALIDITY_MINUTES} minutes, got {end - start}"
        )
    try:
        window_from_wire(start, end - start)
    except BadFormat:
        raise InvalidClaims("valid_until is beyond the year 9999") from None
    return start, end - start


def window_from_wire(start: int, minutes: int) -> tuple[datetime, datetime]:
    """The (valid_from, valid_until) the wire fields mean; BadFormat if Python cannot hold it."""
    if minutes == 0:
        raise BadFormat("the code has an empty validity window")
    try:
        valid_from = EPOCH + start * _MINUTE
        return valid_from, valid_from + minutes * _MINUTE
    except OverflowError:
        # 32-bit minutes reach past datetime's year 9999; our encoder never writes such times.
        raise BadFormat("the code's validity window is beyond the year 9999") from None


def check_id(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= U32_MAX:
        raise InvalidClaims(f"{what} must be an integer 0..{U32_MAX}")
    return value


class ValidityWindow:
    """Validity-window checks shared by every kind of code (valid_from <= t < valid_until)."""

    valid_from: datetime
    valid_until: datetime

    def validate(self, now: datetime, skew: timedelta = DEFAULT_SKEW) -> None:
        """Raise NotYetValid or Expired unless `now` is in the window widened by `skew`."""
        if not isinstance(now, datetime) or now.tzinfo is None:
            raise TypeError("now must be a timezone-aware datetime")
        if now + skew < self.valid_from:
            raise NotYetValid(f"valid from {self.valid_from.isoformat()}")
        if now - skew >= self.valid_until:
            raise Expired(f"expired at {self.valid_until.isoformat()}")


# --- the envelope --------------------------------------------------------------------------


def seal(kind: int, body: bytes, signer: Signer, valid_until: datetime) -> str:
    """Sign kind + key id + body and return the text for the QR code."""
    size, _ = _KINDS[kind]
    if len(body) != size:
        raise InvalidClaims(f"kind {kind:#04x} has a {size}-byte body, got {len(body)}")
    signed = bytes((kind, signer.key_id)) + body
    return base44.encode(signed + signer.sign(CONTEXT + signed, valid_until))


def kind_of(text: object) -> int | None:
    """The kind byte a scanned code claims, unverified, or None when it is not one of ours.
    Only for routing a scan to who checks it (an invitation to the kiosk's screen, a pass to the
    turnstile); whoever acts on the code still verifies it."""
    if not isinstance(text, str):
        return None
    try:
        data = base44.decode(text.strip(_TERMINATORS))
    except BadFormat:
        return None
    known = _KINDS.get(data[0]) if data else None
    if known is None or len(data) != HEADER_SIZE + known[0] + SIGNATURE_SIZE:
        return None
    return data[0]


def unseal(text: object, verifier: Verifier) -> tuple[int, int, bytes]:
    """Check format and signature; returns (kind, key id, body) of a genuine code."""
    if not isinstance(text, str):
        raise BadFormat("a scanned code must be text")
    data = base44.decode(text.strip(_TERMINATORS))
    if len(data) < HEADER_SIZE + SIGNATURE_SIZE:
        raise BadFormat("the code is too short")
    kind, key_id = data[0], data[1]
    known = _KINDS.get(kind)
    if known is None:
        raise BadFormat(f"unknown code kind {kind:#04x}")
    if len(data) != HEADER_SIZE + known[0] + SIGNATURE_SIZE:
        raise BadFormat("the code's length does not match its kind")
    signed, signature = data[:-SIGNATURE_SIZE], data[-SIGNATURE_SIZE:]
    verify_signature(verifier, key_id, signature, CONTEXT + signed)
    return kind, key_id, signed[HEADER_SIZE:]


def decode(
    text: object, verifier: Verifier, facilities: FacilityTable = DEFAULT_FACILITIES
) -> Any:
    """Any genuine code (PassClaims, InvitationClaims, ...); not yet checked against time."""
    kind, key_id, body = unseal(text, verifier)
    return _KINDS[kind][1](body, key_id, facilities)


def decode_kind(
    text: object, verifier: Verifier, kind: int, facilities: FacilityTable = DEFAULT_FACILITIES
) -> Any:
    """Like decode, but a genuine code of another kind raises WrongKind."""
    found, key_id, body = unseal(text, verifier)
    if found != kind:
        raise WrongKind(f"expected a code of kind {kind:#04x}, got {found:#04x}")
    return _KINDS[found][1](body, key_id, facilities)


# --- visitor passes ------------------------------------------------------------------------


@dataclass(frozen=True)
class PassClaims(ValidityWindow):
    """What a visitor pass says. `key_id` is filled in by decoding and ignored by encoding."""

    pass_id: int
    visit_id: int
    valid_from: datetime
    valid_until: datetime
    facilities: frozenset[str]
    entries_allowed: int | None = None  # None = unlimited
    key_id: int | None = None

    def admits(self, facility: str) -> bool:
        return facility in self.facilities


def encode_pass(
    claims: PassClaims, signer: Signer, facilities: FacilityTable = DEFAULT_FACILITIES
) -> str:
    """Sign a pass with `signer` (a KeyRing, normally); InvalidClaims if it cannot be carried."""
    start, minutes = window_to_wire(claims.valid_from, claims.valid_until)
    entries = claims.entries_allowed
    if entries is None:
        entries = 0
    elif isinstance(entries, bool) or not isinstance(entries, int) or not 0 < entries <= 255:
        raise InvalidClaims(f"entries_allowed must be 1..{MAX_ENTRIES} or None (unlimited)")
    if isinstance(claims.facilities, str):
        raise InvalidClaims("facilities must be a collection of names, not one string")
    body = _PASS_BODY.pack(
        check_id(claims.pass_id, "pass_id"),
        check_id(claims.visit_id, "visit_id"),
        start,
        minutes,
        facilities.mask(claims.facilities),
        entries,
    )
    return seal(KIND_PASS, body, signer, window_from_wire(start, minutes)[1])


def _parse_pass(body: bytes, key_id: int, facilities: FacilityTable) -> PassClaims:
    pass_id, visit_id, start, minutes, mask, entries = _PASS_BODY.unpack(body)
    valid_from, valid_until = window_from_wire(start, minutes)
    return PassClaims(
        pass_id=pass_id,
        visit_id=visit_id,
        valid_from=valid_from,
        valid_until=valid_until,
        facilities=facilities.decode(mask),
        entries_allowed=entries or None,
        key_id=key_id,
    )


register_kind(KIND_PASS, _PASS_BODY.size, _parse_pass)


def decode_pass(
    text: object, verifier: Verifier, facilities: FacilityTable = DEFAULT_FACILITIES
) -> PassClaims:
    """A genuine visitor pass, or a PassError; time and revocation are not checked here."""
    claims: PassClaims = decode_kind(text, verifier, KIND_PASS, facilities)
    return claims


class RevocationCheck(Protocol):
    """Raises Revoked for a revoked code (revocation.RevocationList is one)."""

    def check(self, claims: Any) -> None: ...


def check_pass(
    text: object,
    verifier: Verifier,
    *,
    now: datetime,
    revocations: RevocationCheck | None = None,
    facilities: FacilityTable = DEFAULT_FACILITIES,
    skew: timedelta = DEFAULT_SKEW,
) -> PassClaims:
    """The gate's whole check: genuine, in its window (± skew), and not revoked.

    Facility and entry counting stay with the caller: `claims.admits(facility)`,
    `claims.entries_allowed` against the kiosk's own count for `claims.pass_id`.
    """
    claims = decode_pass(text, verifier, facilities)
    claims.validate(now, skew)
    if revocations is not None:
        revocations.check(claims)
    return claims
