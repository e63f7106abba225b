"""Ed25519 signing keys: generation, key ids, PEM/raw serialisation, rotation, verification.

The central service holds a KeyRing (private keys; the active one signs) and publishes
`KeyRing.published()` to kiosks, which build TrustedKeys from it to verify offline.

Key ids are one byte, the first byte of SHA-256 of the raw public key, so a published list
can be checked for consistency and ids need no counter. One byte is enough because an id
only picks among the few keys alive at once; rotate() draws a fresh key until its id is
unused in the ring. Security rests on the signature, never on the id.

Rotation: rotate() makes a new active key; the old one stays published with a `retire_after`
time — when the last code it signed expires — and prune() drops it after that. Because a
ring may live in several processes, that time does not depend on counting what was signed:
KeyRing.sign refuses codes valid beyond `horizon` from now, so `rotation time + horizon`
always covers them; an issuer that knows better (max valid_until in its database) passes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import BadSignature, BadTrustData, InvalidClaims, UnknownKey

ALGORITHM = "Ed25519"
KEYRING_FORMAT = "lobby-keyring/1"
DEFAULT_HORIZON = timedelta(days=90)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- serialisation -------------------------------------------------------------------------


def public_key_to_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_raw(data: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes(data))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BadTrustData("an Ed25519 public key is 32 bytes") from None


def public_key_to_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BadTrustData("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadTrustData("the PEM public key is not an Ed25519 key")
    return key


def private_key_to_raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def private_key_from_raw(data: bytes) -> Ed25519PrivateKey:
    try:
        return Ed25519PrivateKey.from_private_bytes(bytes(data))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BadTrustData("an Ed25519 private key is 32 bytes") from None


def private_key_to_pem(key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def private_key_from_pem(data: bytes, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # cryptography says TypeError for a missing/unneeded passphrase, ValueError otherwise.
        raise BadTrustData("not a PEM private key, or wrong passphrase") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadTrustData("the PEM private key is not an Ed25519 key")
    return key


def key_id_for(public_key: Ed25519PublicKey) -> int:
    """The one-byte id of a public key (0..255)."""
    return hashlib.sha256(public_key_to_raw(public_key)).digest()[0]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: object, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadTrustData(f"{what} must be an ISO-8601 time or null")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadTrustData(f"{what} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise BadTrustData(f"{what} must carry a UTC offset")
    return moment.astimezone(UTC)


def _later(moment: datetime, delta: timedelta) -> datetime:
    try:
        return moment + delta
    except OverflowError:  # a horizon reaching past year 9999 means "no limit"
        return datetime.max.replace(tzinfo=UTC)


def _require_aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidClaims(f"{what} must be a timezone-aware datetime")
    return moment


# --- what codec.py needs -------------------------------------------------------------------


class Signer(Protocol):
    """Signs with one key; `valid_until` lets a ring refuse codes that outlive its horizon."""

    @property
    def key_id(self) -> int: ...

    def sign(self, message: bytes, valid_until: datetime) -> bytes: ...


class Verifier(Protocol):
    """Finds the public key for a key id, raising UnknownKey when it has none."""

    def public_key(self, key_id: int) -> Ed25519PublicKey: ...


def verify_signature(verifier: Verifier, key_id: int, signature: bytes, message: bytes) -> None:
    """Raise UnknownKey or BadSignature unless `signature` is `key_id`'s over `message`."""
    key = verifier.public_key(key_id)
    try:
        key.verify(signature, message)
    except InvalidSignature:
        raise BadSignature("the signature does not match") from None


# --- keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """One private key with its id; a Signer on its own (no horizon check)."""

    private_key: Ed25519PrivateKey
    created_at: datetime
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", key_id_for(self.private_key.public_key()))

    @classmethod
    def generate(cls, now: datetime | None = None) -> SigningKey:
        return cls(Ed25519PrivateKey.generate(), now or utc_now())

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, message: bytes, valid_until: datetime | None = None) -> bytes:
        return self.private_key.sign(message)


@dataclass(frozen=True)
class PublishedKey:
    """A verification key as kiosks receive it; `retire_after` None = the active key."""

    key_id: int
    public_key: Ed25519PublicKey
    retire_after: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "alg": ALGORITHM,
            "public_key": base64.b64encode(public_key_to_raw(self.public_key)).decode("ascii"),
            "retire_after": _iso(self.retire_after),
        }

    @classmethod
    def from_dict(cls, data: object) -> PublishedKey:
        if not isinstance(data, Mapping):
            raise BadTrustData("a published key must be an object")
        if data.get("alg") != ALGORITHM:
            raise BadTrustData(f"unsupported key algorithm {data.get('alg')!r}")
        key_id, encoded = data.get("key_id"), data.get("public_key")
        if not isinstance(key_id, int) or isinstance(key_id, bool) or not 0 <= key_id <= 255:
            raise BadTrustData("key_id must be an integer 0..255")
        if not isinstance(encoded, str):
            raise BadTrustData("public_key must be base64 text")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise BadTrustData("public_key is not base64") from None
        public_key = public_key_from_raw(raw)
        if key_id_for(public_key) != key_id:
            raise BadTrustData(f"key_id {key_id} does not belong to that public key")
        return cls(key_id, public_key, _parse_time(data.get("retire_after"), "retire_after"))


class TrustedKeys:
    """The kiosk's verifier: the public keys the central service published, by key id."""

    def __init__(self, keys: Iterable[PublishedKey]) -> None:
        self._keys: dict[int, PublishedKey] = {}
        for key in keys:
            if key.key_id in self._keys:
                raise BadTrustData(f"key id {key.key_id} is listed twice")
            self._keys[key.key_id] = key

    @classmethod
    def from_published(cls, data: object) -> TrustedKeys:
        """Read the list `KeyRing.published()` made (e.g. after a JSON round trip)."""
        if not isinstance(data, list):
            raise BadTrustData("the published keys must be a list")
        return cls(PublishedKey.from_dict(item) for item in data)

    def public_key(self, key_id: int) -> Ed25519PublicKey:
        key = self._keys.get(key_id)
        if key is None:
            raise UnknownKey(f"no public key with id {key_id}")
        return key.public_key

    def published(self) -> list[dict[str, Any]]:
        return [key.to_dict() for key in self._keys.values()]

    def __len__(self) -> int:
        return len(self._keys)


@dataclass
class _Entry:
    key: SigningKey
    retire_after: datetime | None  # None only for the active key


class KeyRing:
    """The central service's keys: one active signer plus retiring keys still verifiable.

    It is a Signer (signs with the active key) and a Verifier (any key it holds).
    Not thread-safe: a process that rotates must hold its own lock, and after a rotation
    other processes must reload the ring from where the service stores it (`to_dict`).
    """

    def __init__(
        self,
        keys: Iterable[tuple[SigningKey, datetime | None]],
        *,
        horizon: timedelta = DEFAULT_HORIZON,
        clock: Clock = utc_now,
    ) -> None:
        self._entries: dict[int, _Entry] = {}
        for key, retire_after in keys:
            if key.key_id in self._entries:
                raise BadTrustData(f"key id {key.key_id} is in the ring twice")
            self._entries[key.key_id] = _Entry(key, retire_after)
        active = [e for e in self._entries.values() if e.retire_after is None]
        if len(active) != 1:
            raise BadTrustData(f"a key ring needs exactly one active key, found {len(active)}")
        if horizon <= timedelta(0):
            raise ValueError("horizon must be positive")
        self._active_id = active[0].key.key_id
        self.horizon = horizon
        self._clock = clock

    @classmethod
    def generate(cls, *, horizon: timedelta = DEFAULT_HORIZON, clock: Clock = utc_now) -> KeyRing:
        return cls([(SigningKey.generate(clock()), None)], horizon=horizon, clock=clock)

    @property
    def active(self) -> SigningKey:
        return self._entries[self._active_id].key

    @property
    def key_id(self) -> int:
        return self._active_id

    def sign(self, message: bytes, valid_until: datetime) -> bytes:
        """Sign with the active key; refuses codes valid beyond the horizon (see module doc)."""
        limit = _later(self._clock(), self.horizon)
        if _require_aware(valid_until, "valid_until") > limit:
            raise InvalidClaims(
                f"valid_until {_iso(valid_until)} is beyond the key ring's horizon {_iso(limit)}"
            )
        return self.active.sign(message)

    def public_key(self, key_id: int) -> Ed25519PublicKey:
        entry = self._entries.get(key_id)
        if entry is None:
            raise UnknownKey(f"no key with id {key_id}")
        return entry.key.public_key

    def rotate(self, last_expiry: datetime | None = None) -> SigningKey:
        """Make a new active key; the old one retires after `last_expiry` (else now + horizon).

        `last_expiry` is when the last code the old key signed expires, if the caller knows.
        """
        now = self._clock()
        retire_after = _later(now, self.horizon) if last_expiry is None else max(
            _require_aware(last_expiry, "last_expiry"), now)
        while True:
            new = SigningKey.generate(now)
            if new.key_id not in self._entries:
                break
        self._entries[self._active_id].retire_after = retire_after
        self._entries[new.key_id] = _Entry(new, None)
        self._active_id = new.key_id
        return new

    def prune(self) -> list[int]:
        """Forget retired keys whose retire_after has passed; returns their ids."""
        now = self._clock()
        gone = [kid for kid, e in self._entries.items()
                if e.retire_after is not None and e.retire_after <= now]
        for kid in gone:
            del self._entries[kid]
        return gone

    def published(self) -> list[dict[str, Any]]:
        """Public keys with ids and retire_after times: what the central API gives kiosks."""
        return [
            PublishedKey(kid, e.key.public_key, e.retire_after).to_dict()
            for kid, e in sorted(self._entries.items(), key=lambda item: item[1].key.created_at)
        ]

    def key_ids(self) -> list[int]:
        return list(self._entries)

    def to_dict(self, passphrase: bytes | None = None) -> dict[str, Any]:
        """Everything needed to restore the ring, private keys as (encrypted) PKCS#8 PEM.

        Store it like a password file (mode 0600 or an encrypted column).
        """
        return {
            "format": KEYRING_FORMAT,
            "horizon_s": int(self.horizon.total_seconds()),
            "keys": [
                {
                    "key_id": kid,
                    "private_key": private_key_to_pem(e.key.private_key, passphrase).decode(),
                    "created_at": _iso(e.key.created_at),
                    "retire_after": _iso(e.retire_after),
                }
                for kid, e in self._entries.items()
            ],
        }

    @classmethod
    def from_dict(
        cls, data: object, passphrase: bytes | None = None, *, clock: Clock = utc_now
    ) -> KeyRing:
        if not isinstance(data, Mapping) or data.get("format") != KEYRING_FORMAT:
            raise BadTrustData(f"not a {KEYRING_FORMAT} key ring")
        horizon_s, items = data.get("horizon_s"), data.get("keys")
        if not isinstance(horizon_s, int) or isinstance(horizon_s, bool) or horizon_s <= 0:
            raise BadTrustData("horizon_s must be a positive integer")
        if not isinstance(items, list):
            raise BadTrustData("keys must be a list")
        keys: list[tuple[SigningKey, datetime | None]] = []
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("private_key"), str):
                raise BadTrustData("each key needs a private_key PEM")
            private = private_key_from_pem(item["private_key"].encode(), passphrase)
            created_at = _parse_time(item.get("created_at"), "created_at")
            if created_at is None:
                raise BadTrustData("created_at is required")
            key = SigningKey(private, created_at)
            if item.get("key_id") != key.key_id:
                raise BadTrustData(f"key_id {item.get('key_id')!r} does not belong to its key")
            keys.append((key, _parse_time(item.get("retire_after"), "retire_after")))
        return cls(keys, horizon=timedelta(seconds=horizon_s), clock=clock)
