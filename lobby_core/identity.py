"""Validate, normalise and mask visitors' identity document numbers.

Chinese resident ID cards are checked with python-stdnum (length, birth date, checksum); other
document types are free-form within bounds, since their formats vary by issuing country.
"""

from __future__ import annotations

import re
from typing import Literal

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from lobby_core.masking import mask_id_number

IdType = Literal["cn_ric", "passport", "hk_macao_permit", "taiwan_permit", "other"]
ID_TYPES: tuple[str, ...] = ("cn_ric", "passport", "hk_macao_permit", "taiwan_permit", "other")

_FREE_FORM = re.compile(r"[A-Z0-9]{5,20}")


class IdNumberError(ValueError):
    """The ID number does not fit its document type; the message says why, without the number."""


def normalise(id_type: str, number: str) -> str:
    """The canonical form of `number` for `id_type`, or IdNumberError."""
    if id_type not in ID_TYPES:
        raise IdNumberError(f"unknown ID type; expected one of {', '.join(ID_TYPES)}")
    compact = re.sub(r"[\s\-]", "", number).upper()
    if id_type == "cn_ric":
        try:
            return ric.validate(compact)
        except ValidationError as exc:
            # stdnum's messages name the failed check, never the number itself.
            raise IdNumberError(f"not a valid Chinese resident ID number: {exc.message}") from None
    if not _FREE_FORM.fullmatch(compact):
        raise IdNumberError("ID number must be 5 to 20 letters and digits")
    return compact


def mask(number: str) -> str:
    """`110***********1234` style, one masking rule with the kiosk's: short numbers
    (passports, permits) show less, and under 6 characters nothing."""
    return mask_id_number(number)

