"""The visitor slip's content: one devices.Slip, printed or shown on screen alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from devices import Slip
from devices.printer.layout import MAX_TITLE

SLIP_TITLE = "访客单 / Visitor slip"
INSTRUCTION = "请在闸机扫描二维码 / Scan the QR code at the gate"
NO_TIME = "-"


@dataclass(frozen=True, slots=True)
class SlipContent:
    place: str  # the property or facility name (config)
    name_masked: str
    host: str
    valid_until: datetime | None  # aware; None when the pass does not say (shown as "-")
    slip_no: str
    pass_text: str


def slip_number(visit_id: int | None, pass_id: int | None, client_id: str) -> str:
    """Central's visit number when it has one; else the pass's; else the registration's own."""
    if visit_id is not None:
        return f"{visit_id:06d}"
    if pass_id is not None:
        return f"P{pass_id:06d}"
    return client_id.replace("-", "")[:8].upper()


def build(content: SlipContent, zone: ZoneInfo) -> Slip:
    until = (content.valid_until.astimezone(zone).strftime("%Y-%m-%d %H:%M")
             if content.valid_until is not None else NO_TIME)
    return Slip(
        title=content.place[:MAX_TITLE],
        lines=(SLIP_TITLE,
               f"访客 Visitor: {content.name_masked}",
               f"被访 Host: {content.host}",
               f"有效至 Valid until: {until}",
               f"单号 Slip No.: {content.slip_no}"),
        qr=content.pass_text,
        footer=INSTRUCTION,
    )
