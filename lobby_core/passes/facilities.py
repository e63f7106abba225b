"""Map facility names to the bits of a pass's 16-bit facilities mask, stably.

A pass carries facilities as a bitmask to stay small, so issuer and kiosk must agree on
which bit means which facility. The table is an ordered list of names, bit i = name i; it
only ever grows at the end (a retired facility keeps its slot, renamed to anything unused)
so passes already printed keep their meaning. The central service publishes its table next
to the public keys; DEFAULT_FACILITIES is what both sides use until it says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Relative, so lobby_core.passes stays loadable on its own (lobby_core.facilities is stdlib-only).
from ..facilities import PATTERN, is_facility_code
from .errors import BadTrustData, InvalidClaims

MASK_BITS = 16


class FacilityTable:
    """An append-only list of facility names; a name's index is its bit in the mask."""

    __slots__ = ("_names", "_bits")

    def __init__(self, names: Sequence[str]) -> None:
        names = tuple(names)
        if len(names) > MASK_BITS:
            raise ValueError(f"a pass has room for {MASK_BITS} facilities, got {len(names)}")
        for name in names:
            if not is_facility_code(name):
                raise ValueError(f"facility name {name!r} must match {PATTERN}")
        if len(set(names)) != len(names):
            raise ValueError("facility names must be unique")
        self._names = names
        self._bits = {name: i for i, name in enumerate(names)}

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def mask(self, facilities: Iterable[str]) -> int:
        """The bitmask for these names; a name not in the table raises InvalidClaims."""
        mask = 0
        for name in facilities:
            bit = self._bits.get(name)
            if bit is None:
                raise InvalidClaims(f"facility {name!r} is not in the facility table")
            mask |= 1 << bit
        return mask

    def decode(self, mask: int) -> frozenset[str]:
        """The names set in `mask`; bits beyond this table (a newer issuer's) are left out."""
        return frozenset(name for i, name in enumerate(self._names) if mask >> i & 1)

    def to_list(self) -> list[str]:
        """What the central service publishes; FacilityTable.from_list reads it back."""
        return list(self._names)

    @classmethod
    def from_list(cls, data: object) -> FacilityTable:
        """Read a published table (hostile until proven otherwise)."""
        if not isinstance(data, list):
            raise BadTrustData("the facility table must be a list of names")
        try:
            return cls(data)
        except ValueError as exc:
            raise BadTrustData(f"bad facility table: {exc}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FacilityTable) and other._names == self._names

    def __hash__(self) -> int:
        return hash(self._names)

    def __repr__(self) -> str:
        return f"FacilityTable({list(self._names)!r})"


# Bits 0..4 of every installation; sites append their own after these.
DEFAULT_FACILITIES = FacilityTable(("lobby", "gym", "pool", "chess_room", "service_centre"))
