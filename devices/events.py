"""Value objects that devices hand upwards: a card tap, a QR scan, a slip to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Tap:
    uid: str  # upper-case hex, no separators
    atr: str  # upper-case hex, no separators ("" when unknown)
    reader: str
    at: datetime  # timezone-aware UTC


@dataclass(frozen=True, slots=True)
class Scan:
    text: str
    at: datetime  # timezone-aware UTC


@dataclass(frozen=True, slots=True)
class Slip:
    """A visitor slip; the printer driver lays it out, the caller supplies the content."""

    title: str
    lines: tuple[str, ...] = ()
    qr: str | None = None  # payload to print as a QR code
    footer: str = ""
    extra: dict[str, str] = field(default_factory=dict)
