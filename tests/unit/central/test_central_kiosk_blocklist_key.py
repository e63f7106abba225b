"""The kiosks' blocklist key: derived from central's ID hash key (HKDF), never equal to it,
stable for one hash key and different for another, so publishing it gives nothing central's
own hashes could be tested with."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from central.secrets_store import Secrets


def _secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: bytes) -> Secrets:
    monkeypatch.setenv("CENTRAL_ID_HASH_KEY", base64.urlsafe_b64encode(raw).decode())
    monkeypatch.delenv("CENTRAL_DATA_KEY", raising=False)
    return Secrets.load(tmp_path / "keys")


def test_the_kiosk_key_is_derived_and_not_the_hash_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = bytes(range(32))
    s = _secrets(tmp_path, monkeypatch, raw)
    key = s.kiosk_blocklist_key
    assert len(key) == 32 and key != s.hash_key
    # HKDF-SHA256 with its own label, recomputed here from the standard construction.
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lobby-kiosk-blocklist-v1").derive(
        raw
    )
    assert key == expected
    assert _secrets(tmp_path / "again", monkeypatch, raw).kiosk_blocklist_key == key
    other = _secrets(tmp_path / "other", monkeypatch, bytes(range(1, 33))).kiosk_blocklist_key
    assert other != key
    # A hash kiosks get says nothing under central's own key: different HMACs of the same value.
    value = "11010519491231002X"
    kiosk_hash = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    assert kiosk_hash not in {
        s.keyed_hash("id", value),
        hmac.new(raw, value.encode(), hashlib.sha256).hexdigest(),
    }
