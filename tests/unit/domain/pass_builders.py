"""Builders for visitor-pass tests: a key ring, passes it signs, and the trust a kiosk builds
from what sync stores (the published keys, the facility table, the revocation list)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend_client import wire
from kiosk.domain.passes import PassPolicy, PassTrust
from lobby_core import passes
from lobby_core.passes import base44
from lobby_core.passes.keys import private_key_from_raw

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-06-01 10:00 in Shanghai, the clock fixture's time.
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def ring(seed: int) -> passes.KeyRing:
    """A ring with a fixed key (random ones could share a one-byte key id: a flaky test)."""
    key = passes.SigningKey(private_key_from_raw(seed.to_bytes(4, "big") * 8), NOW)
    return passes.KeyRing([(key, None)], clock=lambda: NOW, horizon=timedelta(days=3650))


RING = ring(1)  # central's
OTHER_RING = ring(2)  # a kiosk's own (PIN approvals)
assert RING.key_id != OTHER_RING.key_id
POLICY = PassPolicy(SHANGHAI, anti_passback=timedelta(minutes=2))


def claims(**changes: Any) -> passes.PassClaims:
    """A pass for the gym, valid an hour either side of NOW, two entries."""
    base = passes.PassClaims(pass_id=7001, visit_id=42, valid_from=NOW - timedelta(hours=1),
                             valid_until=NOW + timedelta(hours=1), facilities=frozenset({"gym"}),
                             entries_allowed=2)
    return replace(base, **changes)


def signed(ring: passes.KeyRing = RING, **changes: Any) -> str:
    return passes.encode_pass(claims(**changes), ring)


def invitation(ring: passes.KeyRing = RING) -> str:
    return passes.encode_invitation(passes.InvitationClaims(
        9001, NOW - timedelta(hours=1), NOW + timedelta(hours=1)), ring)


def altered(text: str) -> str:
    """The same code with one body byte changed and the signature kept: a forgery that reads."""
    data = bytearray(base44.decode(text))
    data[5] ^= 0x01  # inside the pass id
    return base44.encode(bytes(data))


def trust(ring: passes.KeyRing = RING, revoked: tuple[int, ...] = ()) -> PassTrust:
    return PassTrust(passes.TrustedKeys.from_published(ring.published()),
                     passes.DEFAULT_FACILITIES, passes.RevocationList(revoked))


def keys_as_synced(*rings: passes.KeyRing) -> wire.Keys:
    """What the sync engine stores from GET /keys: every ring's published keys."""
    return wire.Keys.model_validate({
        "keys": [k for ring in rings for k in ring.published()],
        "facilities": passes.DEFAULT_FACILITIES.to_list()})


def revocations_as_synced(*pass_ids: int) -> wire.Revocations:
    return wire.Revocations(pass_ids=list(pass_ids), invitation_ids=[], cursor=0)
