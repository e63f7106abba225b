"""Every message id the console can show, found the way pybabel would find them, so a test can
prove each has a translation (and `python -m central.console.messages` lists the missing)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

from . import i18n
from .csv_export import CHECKOUT_WORDS, ENTRANCE_HEADER_IDS, HEADER_IDS
from .kiosk_view import DYNAMIC_IDS as KIOSK_IDS
from .queries import STATUSES
from .reasons import OUTCOME_LABELS, REASONS
from .render import ID_TYPE_LABELS
from .routes_admin import (
    FIELD_LABELS,
    KEY_MESSAGES,
    MEMBER_NAME_MESSAGES,
    SERVICE_MESSAGES,
    SERVICE_PREFIXES,
)

HERE = Path(__file__).parent
# Ids built at run time (a role, a status, a device state) rather than written as _("...").
DYNAMIC: tuple[str, ...] = (
    *ID_TYPE_LABELS.values(),
    *STATUSES,
    *HEADER_IDS,
    *ENTRANCE_HEADER_IDS,
    *REASONS.values(),
    *OUTCOME_LABELS.values(),
    "expired", "not_yet_valid",  # members.standing()
    *CHECKOUT_WORDS.values(),
    "receptionist", "admin", "technician",
    "active", "frozen", "blocked",
    "ok", "degraded", "down",
    "Valid from", "Valid until", "Entries",
    "{field}: enter a date and time",
    "{field}: enter a whole number from {low} to {high}",
    *SERVICE_MESSAGES,
    *SERVICE_PREFIXES,
    *KEY_MESSAGES.values(),
    *MEMBER_NAME_MESSAGES,
    *FIELD_LABELS.values(),
    "unit", "company",
    *KIOSK_IDS,
)  # fmt: skip


def message_ids() -> set[str]:
    ids: set[str] = set(DYNAMIC)
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": ""}}
    for _file, _line, msg, _comments, _ctx in extract_from_dir(HERE, method_map, options):
        if isinstance(msg, str):
            ids.add(msg)
        elif isinstance(msg, tuple) and msg and isinstance(msg[0], str):
            ids.add(msg[0])
    return ids


def missing(lang: str = "zh_CN") -> list[str]:
    table = i18n.catalogue(lang)
    return sorted(m for m in message_ids() if m not in table)


if __name__ == "__main__":
    for m in missing(sys.argv[1] if len(sys.argv) > 1 else "zh_CN"):
        print(m)
