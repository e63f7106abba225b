"""`PUT /api/v1/local-members`: a kiosk reports the members it imported for itself.

`kiosk members import --local` adds members central does not know; the kiosk sends their list
(whole, whenever it changes) so the console can show them as local to that kiosk. Only masked
data is accepted: a name that is not already in its masked form is refused, so a kiosk bug can
never put a full name into central's database this way.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, Field

from lobby_core.masking import mask_name

from .api import _ERRORS, CentralDep, Kiosk
from .errors import Invalid
from .schemas import Slug, Strict, Text
from .services import local_members

MAX_LOCAL_MEMBERS = 20_000  # far more than one kiosk's own list; bounds the body's work

router = APIRouter(prefix="/api/v1", tags=["kiosk"], responses=_ERRORS)


def _masked(value: str) -> str:
    if mask_name(value) != value:
        raise ValueError("must be the masked name (as lobby_core.masking.mask_name gives it), "
                         "never the full name")
    return value


class LocalMemberItem(Strict):
    member_no: Text(32, 1)
    masked_name: Annotated[Text(100), AfterValidator(_masked)]
    status: Literal["active", "frozen", "blocked"]
    facilities: Annotated[list[Slug], Field(max_length=50)] = []
    valid_until: date | None = None


class LocalMembersReport(Strict):
    members: Annotated[list[LocalMemberItem], Field(max_length=MAX_LOCAL_MEMBERS)]


class LocalMembersAck(BaseModel):
    count: int


@router.put("/local-members", response_model=LocalMembersAck)
def put_local_members(body: LocalMembersReport, central: CentralDep, kiosk: Kiosk) -> LocalMembersAck:
    """Replace this kiosk's local members with the list sent (an empty list clears them)."""
    seen: set[str] = set()
    for m in body.members:
        if m.member_no in seen:
            raise Invalid(f"member {m.member_no} is listed twice")
        seen.add(m.member_no)
    n = local_members.replace_for_kiosk(central, kiosk.id, [
        local_members.LocalMemberIn(m.member_no, m.masked_name, m.status, tuple(m.facilities),
                                    m.valid_until) for m in body.members])
    return LocalMembersAck(count=n)
