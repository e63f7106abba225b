"""The service's own secret keys: the data key that encrypts ID numbers and signing keys, and
the hash key that turns ID numbers into matchable, non-reversible hashes.

Each comes from the environment when set (every API process of a multi-process deployment must
share them), else from a file in the data directory that is created on first use with mode 0600:

- ``$CENTRAL_DATA_KEY``    or ``DATA_DIR/keys/data.key``    a Fernet key (urlsafe base64, 32 bytes)
- ``$CENTRAL_ID_HASH_KEY`` or ``DATA_DIR/keys/id-hash.key`` at least 32 random bytes, urlsafe base64

Losing the data key makes stored ID numbers unreadable; losing the hash key makes the blocklist
stop matching. Back both up with the database, but never in the same place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)


class SecretsError(Exception):
    """A key is missing, malformed, or does not decrypt what it should."""


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SecretsError(f"cannot read {path}: {exc.strerror}") from None


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def _load_or_create(env: str, path: Path, make: bytes, legacy: Path | None = None,
                    create: bool = True) -> bytes:
    value = os.environ.get(env)
    if value:
        return value.strip().encode("ascii", "replace")
    found = _read(path)
    old = _read(legacy) if legacy is not None and legacy != path else None
    if found is not None:
        if old is not None:
            log.warning("an old copy of %s is still at %s, next to the data: delete it", path.name, legacy)
        return found
    if old is not None:
        log.warning(
            "%s is inside the data directory, so a backup of the data holds the key too: "
            "move it to %s (or set $%s)", legacy, path, env,
        )
        return old
    if not create:
        raise SecretsError(f"{path} is missing (and ${env} is not set): the database's data cannot be "
                           "read without it; restore it from your key backup or point --keys-dir at it")
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(path.parent, 0o700)  # mkdir's mode passes through the umask
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()  # another process created it first
    except OSError as exc:
        raise SecretsError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)  # whatever the umask
        fh.write(make + b"\n")
    return make


@dataclass(frozen=True)
class Secrets:
    fernet: Fernet
    hash_key: bytes

    @classmethod
    def load(cls, keys_dir: Path, data_dir: Path | None = None, create: bool = True) -> Secrets:
        """The keys from the environment or `keys_dir`; `data_dir` is where older installs kept
        them (DATA_DIR/keys), still read there with a warning. A missing key file is created,
        unless `create` is False (a command that only reads must not make keys that decrypt
        nothing)."""
        legacy = data_dir / "keys" if data_dir is not None else None
        if data_dir is not None and _inside(keys_dir, data_dir):
            log.warning(
                "the keys directory %s is inside the data directory %s: a backup of the data "
                "holds the keys too; point $CENTRAL_KEYS_DIR elsewhere", keys_dir, data_dir,
            )
        data = _load_or_create(
            "CENTRAL_DATA_KEY",
            keys_dir / "data.key",
            Fernet.generate_key(),
            legacy / "data.key" if legacy else None,
            create,
        )
        try:
            fernet = Fernet(data)
        except (ValueError, binascii.Error):
            raise SecretsError(
                "the data key ($CENTRAL_DATA_KEY or data.key in the keys directory) is not a Fernet key"
            ) from None
        raw_hash = _load_or_create(
            "CENTRAL_ID_HASH_KEY",
            keys_dir / "id-hash.key",
            base64.urlsafe_b64encode(secrets.token_bytes(32)),
            legacy / "id-hash.key" if legacy else None,
            create,
        )
        try:
            hash_key = base64.urlsafe_b64decode(raw_hash)
        except (ValueError, binascii.Error):
            raise SecretsError(
                "the ID hash key ($CENTRAL_ID_HASH_KEY or id-hash.key in the keys directory) "
                "is not urlsafe base64"
            ) from None
        if len(hash_key) < 32:
            raise SecretsError("the ID hash key must be at least 32 bytes")
        return cls(fernet=fernet, hash_key=hash_key)

    def encrypt(self, plain: bytes) -> bytes:
        return self.fernet.encrypt(plain)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self.fernet.decrypt(token)
        except InvalidToken:
            raise SecretsError("stored data does not decrypt with the current data key") from None

    @cached_property
    def kiosk_blocklist_key(self) -> bytes:
        """The 32-byte HMAC key kiosks get to check registrations against the blocklist locally.

        Derived from the hash key (HKDF-SHA256, its own label), never the hash key itself: a kiosk's
        disk may be read by whoever carries it off, and with the hash key they could test numbers
        against every hash central stores. With this one they can test numbers only against the
        blocklist, which is what a kiosk needs; no extra file to back up, and it changes only when
        the hash key does."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lobby-kiosk-blocklist-v1")
        return hkdf.derive(self.hash_key)

    def keyed_hash(self, domain: str, value: str) -> str:
        """HMAC-SHA256 under the hash key; `domain` keeps hashes of different kinds apart."""
        msg = domain.encode() + b"\x00" + value.encode("utf-8", "surrogatepass")
        return hmac.new(self.hash_key, msg, hashlib.sha256).hexdigest()
