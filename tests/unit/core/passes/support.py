"""Shared keys, clocks and strategies for the passes tests (deterministic keys: reproducible)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from lobby_core.passes import DEFAULT_FACILITIES, EPOCH, InvitationClaims, KeyRing, PassClaims
from lobby_core.passes.codec import MAX_VALIDITY_MINUTES, U32_MAX
from lobby_core.passes.keys import SigningKey, private_key_from_raw

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def signing_key(seed: int) -> SigningKey:
    return SigningKey(private_key_from_raw(seed.to_bytes(4, "big") * 8), T0)


def ring_of(key: SigningKey, clock: FixedClock | None = None) -> KeyRing:
    return KeyRing([(key, None)], clock=clock or FixedClock())


# KEY signs on its own (no horizon, so hypothesis may draw any window); RING verifies.
KEY = signing_key(1)
RING = ring_of(KEY)

# Latest minute-aligned start whose longest window still ends inside datetime's range.
_LAST_END = datetime.max.replace(tzinfo=UTC) - MINUTE
MAX_START_MIN = (_LAST_END - EPOCH) // MINUTE - MAX_VALIDITY_MINUTES
ids = st.integers(0, U32_MAX)
starts = st.integers(0, MAX_START_MIN).map(lambda m: EPOCH + m * MINUTE)
durations = st.integers(1, MAX_VALIDITY_MINUTES).map(lambda m: m * MINUTE)


@st.composite
def pass_claims(draw: st.DrawFn) -> PassClaims:
    start = draw(starts)
    return PassClaims(
        pass_id=draw(ids),
        visit_id=draw(ids),
        valid_from=start,
        valid_until=start + draw(durations),
        facilities=draw(st.frozensets(st.sampled_from(DEFAULT_FACILITIES.names))),
        entries_allowed=draw(st.none() | st.integers(1, 255)),
    )


@st.composite
def invitation_claims(draw: st.DrawFn) -> InvitationClaims:
    start = draw(starts)
    return InvitationClaims(draw(ids), start, start + draw(durations))


def a_pass(**changes: object) -> PassClaims:
    fields: dict[str, object] = dict(
        pass_id=7, visit_id=42, valid_from=T0, valid_until=T0 + timedelta(hours=4),
        facilities=frozenset({"lobby", "gym"}), entries_allowed=2,
    )
    fields.update(changes)
    return PassClaims(**fields)  # type: ignore[arg-type]
