"""Signed passes and invitations: the wire format, keys and checks shared by central and kiosk.

Central (signs)::

    ring = KeyRing.generate()                  # or KeyRing.from_dict(stored, passphrase)
    text = encode_pass(PassClaims(pass_id=7, visit_id=42, valid_from=t0, valid_until=t1,
                                  facilities={"lobby"}, entries_allowed=2), ring)
    ring.published()                           # -> kiosks: [{key_id, alg, public_key, retire_after}]
    ring.rotate(); ring.prune()                # new signer; drop keys whose codes all expired

Kiosk (verifies offline)::

    keys = TrustedKeys.from_published(published_list)
    claims = check_pass(scan.text, keys, now=now, revocations=RevocationList.from_dict(rl))
    claims.admits("lobby")  # facility; entries_allowed is counted by the kiosk per pass_id

Every refusal is a PassError subclass with a stable `.code`. Byte layouts: codec.py and
invitation.py. Only `cryptography` is needed; `passes.qr` (qrcode) is imported separately.
"""

from .codec import (
    DEFAULT_SKEW,
    EPOCH,
    KIND_INVITATION,
    KIND_PASS,
    PassClaims,
    check_pass,
    decode,
    decode_pass,
    encode_pass,
    kind_of,
)
from .errors import (
    BadFormat,
    BadSignature,
    BadTrustData,
    Expired,
    InvalidClaims,
    NotYetValid,
    PassError,
    Revoked,
    UnknownKey,
    WrongKind,
)
from .facilities import DEFAULT_FACILITIES, FacilityTable
from .invitation import InvitationClaims, check_invitation, decode_invitation, encode_invitation
from .keys import KeyRing, PublishedKey, SigningKey, TrustedKeys, key_id_for
from .revocation import RevocationList

__all__ = [
    "DEFAULT_FACILITIES",
    "DEFAULT_SKEW",
    "EPOCH",
    "KIND_INVITATION",
    "KIND_PASS",
    "BadFormat",
    "BadSignature",
    "BadTrustData",
    "Expired",
    "FacilityTable",
    "InvalidClaims",
    "InvitationClaims",
    "KeyRing",
    "NotYetValid",
    "PassClaims",
    "PassError",
    "PublishedKey",
    "Revoked",
    "RevocationList",
    "SigningKey",
    "TrustedKeys",
    "UnknownKey",
    "WrongKind",
    "check_invitation",
    "check_pass",
    "decode",
    "decode_invitation",
    "decode_pass",
    "encode_invitation",
    "encode_pass",
    "key_id_for",
    "kind_of",
]
