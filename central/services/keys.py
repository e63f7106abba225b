"""The pass-signing keys as the API publishes them to kiosks and the CLI rotates them; the key
ring itself is central.signing's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..context import Central


def published(central: Central, now: datetime | None = None) -> list[dict[str, Any]]:
    """Public keys passes may be signed with: the active one, and retired ones until the last
    pass they signed expires."""
    with central.db.writing() as s:  # writing: the first call makes the first key
        return central.signer.published(s, now or datetime.now(UTC))


def rotate(central: Central, now: datetime | None = None) -> str:
    """Start signing with a fresh key (passes signed before stay valid); returns its key id."""
    with central.db.writing() as s:
        return central.signer.rotate(s, now or datetime.now(UTC)).key_id
