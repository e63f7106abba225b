"""Build the decision engine's Activity (recent taps, inside, occupancy) from the event log.

With exit tracking, "inside" and occupancy look back over the local day, and at least
INSIDE_AT_LEAST_CHECKED: a member who never tapped out yesterday is not kept inside forever,
but one who came in at 23:58 is still inside at 00:01. Without exit tracking nobody taps out,
so an entry counts towards occupancy for ASSUMED_STAY only, a typical gym visit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.domain.model import Activity, FacilityRule, Member, Policy
from kiosk.store import Tx

ASSUMED_STAY = timedelta(hours=2)
INSIDE_AT_LEAST_CHECKED = timedelta(hours=12)


def local_midnight(now: datetime, policy: Policy) -> datetime:
    local = now.astimezone(policy.zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def activity(tx: Tx, uid: str, member: Member | None, facility: str, now: datetime,
             rule: FacilityRule | None, policy: Policy) -> Activity:
    if member is None:
        return Activity()  # an unknown card is refused before any of this matters
    since = min(local_midnight(now, policy), now - INSIDE_AT_LEAST_CHECKED)
    inside = tx.is_inside(member.member_no, facility, since) if policy.track_exits else False
    occupancy = 0
    if rule is not None and rule.capacity:
        window = since if policy.track_exits else now - ASSUMED_STAY
        occupancy = tx.occupancy(facility, window)
    return Activity(
        last_same_credential_at=tx.last_granted_entry(uid, facility),
        inside=inside,
        occupancy=occupancy,
    )
