"""Value objects that devices hand upwards: a card tap, a QR scan, an ID card read, a slip to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from lobby_core.masking import mask_id_number, mask_name


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


class IdType(StrEnum):
    """The documents a Chinese ID card (SAM) reader reads; the card says which it is."""

    RESIDENT = "cn_ric"  # 居民身份证; the value lobby_core.identity uses for it
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"  # 外国人永久居留身份证, 2017 layout
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"  # 外国人永久居留身份证, 2023 layout


@dataclass(frozen=True, slots=True, repr=False)
class IdCard:
    """What the kiosk keeps of an ID card read: never the address, never the photo.

    repr() and str() mask the number and the name, so a card that ends up in a log line or
    a traceback does not leak them; read the fields themselves where they are needed.
    """

    id_type: IdType
    id_number: str
    name: str
    birth_date: date
    valid_until: date | None  # None: long-term (长期)
    read_at: datetime  # timezone-aware UTC

    def __repr__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "long-term"
        return (f"IdCard({self.id_type.value}, {mask_id_number(self.id_number)}, "
                f"{mask_name(self.name)}, valid until {until})")

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Slip:
    """A visitor slip; the printer driver lays it out, the caller supplies the content."""

    title: str
    lines: tuple[str, ...] = ()
    qr: str | None = None  # payload to print as a QR code
    footer: str = ""
    extra: dict[str, str] = field(default_factory=dict)
