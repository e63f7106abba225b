"""Errors of the signed-pass codec: one class per reason a scanned code is refused.

Everything a scanner delivers is hostile input, so decoding raises only these (never a
library's exception); `code` is a stable token a kiosk can map to a translated message.
"""

from __future__ import annotations


class PassError(Exception):
    """A pass, invitation or key record was refused; `code` names the reason for UIs and logs."""

    code = "pass_error"


class BadFormat(PassError):
    """The text is not one of our codes: wrong characters, length, type byte or field values."""

    code = "bad_format"


class WrongKind(BadFormat):
    """A well-formed code of another kind, e.g. an invitation scanned where a pass is expected."""

    code = "wrong_kind"


class UnknownKey(PassError):
    """Signed with a key id this verifier does not hold (never issued here, or pruned)."""

    code = "unknown_key"


class BadSignature(PassError):
    """The signature does not match the content: forged, altered or misread."""

    code = "bad_signature"


class NotYetValid(PassError):
    """Genuine, but its validity window has not started yet (beyond the allowed clock skew)."""

    code = "not_yet_valid"


class Expired(PassError):
    """Genuine, but its validity window has ended (beyond the allowed clock skew)."""

    code = "expired"


class Revoked(PassError):
    """Genuine and in time, but listed as revoked by the central service."""

    code = "revoked"


class InvalidClaims(PassError, ValueError):
    """The issuer asked to sign something the format cannot carry (out of range, naive time...)."""

    code = "invalid_claims"


class BadTrustData(PassError):
    """Keys, a key ring, a facility table or a revocation list could not be read.

    Corrupt or tampered data, or a wrong passphrase for an encrypted key ring.
    """

    code = "bad_trust_data"
