"""Turn a SAM module's read-base-info answer into an IdCard: parse the text, drop the rest.

The answer is: text length (2 bytes BE), photo length (2 bytes BE), the 256-byte text block
(UTF-16LE, space-padded), then the photo. The photo's format is proprietary with no open
decoder, and the kiosk has no use for it: its bytes are dropped here, as are the address,
sex, ethnicity, issuing authority and every other field IdCard does not carry.

The character at byte 248 of the text block tells the layouts apart. The resident ID and the
HK/Macao/Taiwan residence permit layouts are the published ones. The two foreigner's permanent
residence layouts are from vendor SDK notes rather than the standard: every offset is in
LAYOUTS below, so a correction is a one-line change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ..errors import DeviceProtocolError
from ..events import IdCard, IdType

TEXT_SIZE = 256
TYPE_FLAG_AT = 248
LONG_TERM = "长期"


@dataclass(frozen=True, slots=True)
class Layout:
    """Byte ranges (start, end) in the text block of the fields IdCard is built from."""

    name: tuple[int, int]  # Chinese name (may be blank on a foreigner's card)
    alt_name: tuple[int, int] | None  # Latin name, used when `name` is blank
    birth: tuple[int, int]
    number: tuple[int, int]
    valid_until: tuple[int, int]
    number_format: re.Pattern[str]


_EIGHTEEN = re.compile(r"\d{17}[\dX]")
_RESIDENT = Layout(name=(0, 30), alt_name=None, birth=(36, 52), number=(122, 158),
                   valid_until=(204, 220), number_format=_EIGHTEEN)

# Flag character at TYPE_FLAG_AT -> (type, layout).
LAYOUTS: dict[str, tuple[IdType, Layout]] = {
    # name 30, sex 2, ethnicity 4, birth 16, address 70, number 36, authority 30,
    # valid from 16, valid until 16, reserved 36 (the flag sits in it: a space).
    " ": (IdType.RESIDENT, _RESIDENT),
    # As the resident ID, with ethnicity reserved; after valid until: pass number 18,
    # issue count 4, reserved 6, flag 2 ("J"), reserved 6.
    "J": (IdType.HMT_RESIDENCE_PERMIT, _RESIDENT),
    # 2017: English name 120, sex 2, number 30, nationality 6, Chinese name 30,
    # valid from 16, valid until 16, birth 16, version 4, authority code 8, flag 2 ("I"),
    # reserved 6. The number is three letters (nationality) and 12 digits.
    "I": (IdType.FOREIGN_PERMANENT_2017,
          Layout(name=(158, 188), alt_name=(0, 120), birth=(220, 236), number=(122, 152),
                 valid_until=(204, 220), number_format=re.compile(r"[A-Z]{3}\d{12}"))),
    # 2023: the resident ID's layout, with the English name in the 70 bytes that hold the
    # address there; the number is 18 characters starting with 9.
    "Y": (IdType.FOREIGN_PERMANENT_2023,
          Layout(name=(0, 30), alt_name=(52, 122), birth=(36, 52), number=(122, 158),
                 valid_until=(204, 220), number_format=re.compile(r"9\d{16}[\dX]"))),
}


def split_read_answer(data: bytes) -> bytes:
    """The text block of a read answer's data (after SW1-SW3); the photo is discarded."""
    if len(data) < 4:
        raise DeviceProtocolError(f"read answer has {len(data)} data bytes, too short for its lengths")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_SIZE:
        raise DeviceProtocolError(f"read answer announces {text_len} text bytes, expected {TEXT_SIZE}")
    if len(data) != 4 + text_len + photo_len:
        raise DeviceProtocolError(
            f"read answer has {len(data) - 4} bytes after its lengths, announced {text_len + photo_len}"
        )
    return data[4 : 4 + text_len]


def parse_text(block: bytes, read_at: datetime | None = None) -> IdCard:
    """An IdCard from a 256-byte text block; DeviceProtocolError naming the field (never its
    content) if the block does not hold a card we understand."""
    if len(block) != TEXT_SIZE:
        raise DeviceProtocolError(f"text block is {len(block)} bytes, expected {TEXT_SIZE}")
    flag = _field(block, (TYPE_FLAG_AT, TYPE_FLAG_AT + 2), "card type")
    # A reserved area may be zero-filled instead of space-padded: treat that as the space.
    entry = LAYOUTS.get(flag or " ")
    if entry is None:
        raise DeviceProtocolError(f"unknown card type flag U+{ord(flag[0]):04X}")
    id_type, layout = entry
    name = _field(block, layout.name, "name")
    if not name and layout.alt_name is not None:
        name = " ".join(_field(block, layout.alt_name, "name").split())
    if not name:
        raise DeviceProtocolError("name field is empty")
    number = _field(block, layout.number, "ID number").upper()
    if not layout.number_format.fullmatch(number):
        raise DeviceProtocolError(f"ID number field does not fit a {id_type.value} number")
    birth = _date(_field(block, layout.birth, "birth date"), "birth date")
    until_text = _field(block, layout.valid_until, "valid until")
    valid_until = None if until_text == LONG_TERM else _date(until_text, "valid until")
    return IdCard(
        id_type=id_type,
        id_number=number,
        name=name,
        birth_date=birth,
        valid_until=valid_until,
        read_at=read_at or datetime.now(UTC),
    )


def _field(block: bytes, span: tuple[int, int], what: str) -> str:
    try:
        text = block[span[0] : span[1]].decode("utf-16-le")
    except UnicodeDecodeError:
        raise DeviceProtocolError(f"{what} field is not UTF-16 text") from None
    text = text.strip(" \x00")
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise DeviceProtocolError(f"{what} field holds control characters")
    return text


def _date(text: str, what: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise DeviceProtocolError(f"{what} field is not a date YYYYMMDD")
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise DeviceProtocolError(f"{what} field is not a valid date") from None


def build_text(id_type: IdType, number: str, name: str, birth: date, valid_until: date | None) -> bytes:
    """The text block a card of these fields would give (the sim feeds it to parse_text, so a
    simulated card passes the same checks as a real one). Fields IdCard lacks stay blank."""
    flag, layout = next((f, lay) for f, (t, lay) in LAYOUTS.items() if t is id_type)
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    latin = name.isascii()
    span = layout.alt_name if latin and layout.alt_name is not None else layout.name
    _put(block, span, name, "name")
    _put(block, layout.number, number, "ID number")
    _put(block, layout.birth, birth.strftime("%Y%m%d"), "birth date")
    _put(block, layout.valid_until, valid_until.strftime("%Y%m%d") if valid_until else LONG_TERM,
         "valid until")
    _put(block, (TYPE_FLAG_AT, TYPE_FLAG_AT + 2), flag, "card type")
    return bytes(block)


def _put(block: bytearray, span: tuple[int, int], text: str, what: str) -> None:
    raw = text.encode("utf-16-le", errors="surrogatepass")
    if len(raw) > span[1] - span[0]:
        raise ValueError(f"{what} is longer than the card's {(span[1] - span[0]) // 2} characters")
    block[span[0] : span[0] + len(raw)] = raw
