"""The revocation list: pass and invitation ids the central service has withdrawn.

A kiosk checks it after the signature verified (a forged code never reaches it), so the list
only needs ids. Entries can be dropped once the code they name has expired; the central
service decides when and publishes `to_dict()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .codec import U32_MAX, PassClaims
from .errors import BadTrustData, Revoked
from .invitation import InvitationClaims

# A generous bound on a published list, so a corrupt one cannot eat a kiosk's memory.
MAX_ENTRIES = 1_000_000


class RevocationList:
    """Revoked pass ids and invitation ids (separate number spaces)."""

    __slots__ = ("pass_ids", "invitation_ids")

    def __init__(self, pass_ids: Iterable[int] = (), invitation_ids: Iterable[int] = ()) -> None:
        self.pass_ids = frozenset(pass_ids)
        self.invitation_ids = frozenset(invitation_ids)

    def is_revoked(self, claims: PassClaims | InvitationClaims) -> bool:
        if isinstance(claims, PassClaims):
            return claims.pass_id in self.pass_ids
        if isinstance(claims, InvitationClaims):
            return claims.invitation_id in self.invitation_ids
        raise TypeError(f"no revocations for {type(claims).__name__}")

    def check(self, claims: PassClaims | InvitationClaims) -> None:
        """Raise Revoked if these (already verified) claims were withdrawn."""
        if self.is_revoked(claims):
            raise Revoked("this code was withdrawn by reception")

    def to_dict(self) -> dict[str, Any]:
        return {"pass_ids": sorted(self.pass_ids), "invitation_ids": sorted(self.invitation_ids)}

    @classmethod
    def from_dict(cls, data: object) -> RevocationList:
        """Read a published list (a missing key means none of that kind)."""
        if not isinstance(data, Mapping):
            raise BadTrustData("a revocation list must be an object")
        return cls(_ids(data.get("pass_ids", []), "pass_ids"),
                   _ids(data.get("invitation_ids", []), "invitation_ids"))

    def __len__(self) -> int:
        return len(self.pass_ids) + len(self.invitation_ids)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, RevocationList) and other.pass_ids == self.pass_ids
                and other.invitation_ids == self.invitation_ids)

    __hash__ = None  # type: ignore[assignment]


def _ids(value: object, what: str) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise BadTrustData(f"{what} must be a list of at most {MAX_ENTRIES} ids")
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item <= U32_MAX:
            raise BadTrustData(f"{what} must hold integers 0..{U32_MAX}")
    return value
