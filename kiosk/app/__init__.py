"""The kiosk's application services: what a tap, a scan or a visitor comes to. No UI here.

Names are imported on first use (PEP 562), so a subpackage (kiosk.app.diagnostics' control
socket client, for `kiosk diag`) can be used without loading every service.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ServiceUnavailable
    from .gate import Gate, Passage, Through
    from .member_entrance import EntranceSettings, MemberEntrance
    from .pass_entrance import PassEntrance, PassResult, PassSettings
    from .visitor_desk import DeskSettings, VisitorDesk, VisitorRequest, VisitorResult, VisitorTicket
    from .visitor_form import FormError, VisitorForm

_WHERE = {
    "ServiceUnavailable": ".errors", "Gate": ".gate", "Passage": ".gate", "Through": ".gate",
    "EntranceSettings": ".member_entrance", "MemberEntrance": ".member_entrance",
    "PassEntrance": ".pass_entrance", "PassResult": ".pass_entrance",
    "PassSettings": ".pass_entrance", "DeskSettings": ".visitor_desk",
    "VisitorDesk": ".visitor_desk", "VisitorRequest": ".visitor_desk",
    "VisitorResult": ".visitor_desk", "VisitorTicket": ".visitor_desk",
    "FormError": ".visitor_form", "VisitorForm": ".visitor_form",
}
__all__ = [
    "DeskSettings", "EntranceSettings", "FormError", "Gate", "MemberEntrance", "PassEntrance",
    "PassResult", "PassSettings", "Passage",
    "ServiceUnavailable", "Through", "VisitorDesk", "VisitorForm", "VisitorRequest",
    "VisitorResult", "VisitorTicket",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
