"""Random secrets handed to kiosks and browsers, and the hashes we store instead of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford base32 without I, L, O, U: unambiguous when a technician types an enrollment code.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_token() -> str:
    """A 32-byte random bearer/session token, URL-safe text."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A plain digest is enough: the token is 256 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_enrollment_code() -> str:
    """16 characters (80 bits) in groups of four: XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_enrollment_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in "- ")


def hash_enrollment_code(code: str) -> str:
    return hash_token(normalise_enrollment_code(code))


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
