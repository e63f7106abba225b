"""The pass-signing keys as the API publishes them to kiosks and the CLI rotates them: central's
(the key ring itself is central.signing's) and, beside them, each kiosk's own key for the passes
it signs after a PIN approval (central.services.kiosks keeps those)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..context import Central
from . import kiosks


def published(central: Central, now: datetime | None = None) -> list[dict[str, Any]]:
    """Public keys passes may be signed with: central's active one and retired ones until the
    last pass they signed expires, then the kiosks' keys (a revoked or replaced kiosk key until
    the last pass it can have signed expires)."""
    now = now or datetime.now(UTC)
    with central.db.writing() as s:  # writing: the first call makes the first key
        own = central.signer.published(s, now)
    return own + kiosks.published_keys(central, {int(k["key_id"]) for k in own}, now)


def rotate(central: Central, now: datetime | None = None) -> str:
    """Start signing with a fresh key (passes signed before stay valid); returns its key id."""
    with central.db.writing() as s:
        return central.signer.rotate(s, now or datetime.now(UTC)).key_id
