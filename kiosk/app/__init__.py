"""The kiosk's application services: what a tap, a scan or a visitor comes to. No UI here."""

from __future__ import annotations

from .errors import ServiceUnavailable
from .gate import Gate, Passage, Through
from .member_entrance import EntranceSettings, MemberEntrance
from .pass_entrance import PassEntrance, PassResult, PassSettings
from .visitor_desk import DeskSettings, VisitorDesk, VisitorRequest, VisitorResult, VisitorTicket
from .visitor_form import FormError, VisitorForm

__all__ = [
    "DeskSettings", "EntranceSettings", "FormError", "Gate", "MemberEntrance", "PassEntrance",
    "PassResult", "PassSettings", "Passage",
    "ServiceUnavailable", "Through", "VisitorDesk", "VisitorForm", "VisitorRequest",
    "VisitorResult", "VisitorTicket",
]
