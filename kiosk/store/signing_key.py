"""The kiosk's own Ed25519 pass-signing key, in a file beside the token (mode 0600).

Generated at enrollment (or on first need, for a kiosk enrolled before kiosks had keys); its
public half is registered with central, which publishes it beside its own keys so every kiosk
verifies the passes this one signs after a receptionist's PIN approval.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from lobby_core.passes import BadTrustData, SigningKey
from lobby_core.passes.keys import (
    private_key_from_pem,
    private_key_to_pem,
    public_key_to_raw,
    utc_now,
)

from .errors import StoreError

KEY_FILE = "kiosk-signing.key"


class KioskKeyFile:
    """Loads, creates and replaces the key file; safe to share between threads."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / KEY_FILE
        self._lock = threading.Lock()

    def load(self) -> SigningKey | None:
        """The key, or None if there is none yet; StoreError if the file is unreadable."""
        try:
            pem = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read the kiosk's signing key: {exc.strerror}") from None
        try:
            private = private_key_from_pem(pem)
        except BadTrustData:
            raise StoreError(f"{self.path}: not a PEM Ed25519 private key") from None
        return SigningKey(private, datetime.fromtimestamp(self.path.stat().st_mtime, UTC))

    def create(self) -> SigningKey:
        """A fresh key, replacing any old one (atomically; created 0600 from the start)."""
        with self._lock:
            return self._create()

    def load_or_create(self) -> SigningKey:
        with self._lock:
            key = self.load()
            return key if key is not None else self._create()

    def save(self, key: SigningKey) -> None:
        """Keep `key` (drawn before enrollment) as the kiosk's key, replacing any old one."""
        with self._lock:
            self._write(key)

    def _create(self) -> SigningKey:
        key = SigningKey.generate(utc_now())
        self._write(key)
        return key

    def _write(self, key: SigningKey) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, private_key_to_pem(key.private_key))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)  # a crash never leaves a half-written key
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot write the kiosk's signing key: {exc.strerror}") from None


def public_raw(key: SigningKey) -> bytes:
    """The raw 32-byte public key, as central's API takes it (base64)."""
    return public_key_to_raw(key.public_key)
