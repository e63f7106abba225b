"""Encrypt member names at rest (AES-256-GCM) with a key file kept beside the database.

Names are personal data the kiosk only ever shows masked. Keeping them encrypted means a copy
of kiosk.db (a diagnostics bundle, a backup, a stolen SD card image without the key file)
does not list the members by name. The member number is bound in as associated data, so a
ciphertext moved to another row does not decrypt. The key is created on first use (0600).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import StoreError

log = logging.getLogger(__name__)
KEY_FILENAME = "member-names.key"
_NONCE = 12


def load_or_create_key(path: Path, what: str = "member-name key") -> bytes:
    """A 32-byte AES key from `path`, created (0600, atomically) if there is none yet."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = AESGCM.generate_key(bit_length=256)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written key
        return key
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if len(key) != 32:
        raise StoreError(f"{path}: {what} is {len(key)} bytes, expected 32")
    return key


class NameCipher:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._warned = False

    @classmethod
    def in_dir(cls, data_dir: Path) -> NameCipher:
        return cls(load_or_create_key(data_dir / KEY_FILENAME))

    def encrypt(self, member_no: str, name: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, name.encode(), member_no.encode())

    def decrypt(self, member_no: str, blob: bytes) -> str:
        """The name, or "" if it cannot be decrypted (key replaced): entry still works."""
        try:
            return self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], member_no.encode()).decode()
        except (InvalidTag, ValueError):
            if not self._warned:
                self._warned = True
                log.warning("store: member names do not decrypt with %s (key replaced?); "
                            "names are shown blank until the next import or sync", KEY_FILENAME)
            return ""
