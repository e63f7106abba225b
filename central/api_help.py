"""POST /api/v1/help-calls: a visitor at this kiosk asks for help (the touchscreen's help
button). Kiosk-authenticated like every /api/v1 call; the console shows the call live until a
receptionist takes it (central.services.help_calls)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from .api import _ERRORS, CentralDep, Kiosk
from .services import help_calls

router = APIRouter(prefix="/api/v1", tags=["kiosk"], responses=_ERRORS)


class HelpCallOut(BaseModel):
    call_id: int
    created: bool = Field(description="false: a repeated press, counted in the call already open")
    taken: bool = Field(description="a receptionist has taken the call and is on the way")


@router.post("/help-calls", response_model=HelpCallOut, status_code=201,
             responses={200: {"model": HelpCallOut, "description": "a repeated press"}})
def call_for_help(central: CentralDep, kiosk: Kiosk, response: Response) -> HelpCallOut:
    """Ask reception to come to this kiosk. Takes no body (anything sent is ignored up to the
    body limit). Presses while the call is open, or within a minute of the last, are one call."""
    pressed = help_calls.press(central, kiosk.id)
    if not pressed.created:
        response.status_code = 200
    return HelpCallOut(call_id=pressed.call_id, created=pressed.created, taken=pressed.taken)
