"""The visitor registration form and its validation: every field by the shared rules, each
refusal naming the field and a stable message key. No IO, no presenter: a screen shows the
key's translation beside the field."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Final

from devices import IdCard
from devices.events import IdType as CardType
from kiosk.store import VisitorRequest
from lobby_core import id_documents as ids
from lobby_core.text import TextError, clean_text

PARTY_MIN: Final = 1
PARTY_MAX: Final = 10
TEXT_MAX: Final = 100  # central keeps name, host and purpose in 100 characters
INVITATION_MAX: Final = 1000

# Message keys of our own; the ID, mobile and text keys come from lobby_core.
RESIDENT_ID_AS_FREE_FORM: Final = "id.resident_id_as_free_form"
PARTY_SIZE_RANGE: Final = "party_size.out_of_range"
PRIVACY_NOT_ACCEPTED: Final = "privacy.not_accepted"
INVITATION_INVALID: Final = "invitation.invalid"
FREE_FORM_TYPES: Final = frozenset({ids.PASSPORT, ids.OTHER})
_COUNTRY_KEYS: Final = frozenset({ids.MISSING_COUNTRY, ids.UNKNOWN_COUNTRY})
# The ID card reader's card types as document types.
CARD_TYPES: Final[dict[CardType, str]] = {
    CardType.RESIDENT: ids.CN_RIC,
    CardType.HMT_RESIDENCE_PERMIT: ids.HMT_RES_PERMIT,
    CardType.FOREIGN_PERMANENT_2017: ids.FOREIGN_PR,
    CardType.FOREIGN_PERMANENT_2023: ids.FOREIGN_PR,
}


class FormError(ValueError):
    """One refused field: `field` is the form field, `key` the stable message key; the
    message never quotes what was typed (it may be an ID number)."""

    def __init__(self, field: str, key: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.key = key


@dataclass(frozen=True, slots=True)
class VisitorForm:
    """What the visitor typed (or the ID card reader filled in), not yet checked. Personal
    fields stay out of repr, so out of logs."""

    id_type: str
    id_number: str = field(repr=False)
    name: str = field(repr=False)
    mobile: str = field(repr=False)
    host: str
    purpose: str
    party_size: int = 1
    privacy_notice_version: str = ""  # the version of the notice the visitor accepted
    country: str | None = None  # issuing country, for passports
    invitation: str | None = field(default=None, repr=False)
    # Chosen once per registration: submitting the same form twice registers one visit.
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def from_id_card(cls, card: IdCard, *, mobile: str, host: str, purpose: str,
                     party_size: int = 1, privacy_notice_version: str = "") -> VisitorForm:
        return cls(id_type=CARD_TYPES[card.id_type], id_number=card.id_number, name=card.name,
                   mobile=mobile, host=host, purpose=purpose, party_size=party_size,
                   privacy_notice_version=privacy_notice_version)


@dataclass(frozen=True, slots=True)
class ValidRegistration:
    request: VisitorRequest  # canonical values, ready to queue for central
    blocklist_key: str = field(repr=False)  # lobby_core.id_documents.canonical_key


def _text(value: str, name: str) -> str:
    try:
        return clean_text(value, field=name, max_length=TEXT_MAX)
    except TextError as exc:
        raise FormError(name, exc.key, str(exc)) from None


def validate(form: VisitorForm, *, notice_version: str, today: dt.date) -> ValidRegistration:
    """The registration in canonical form, or the first FormError in form order."""
    try:
        document = ids.validate(form.id_type, form.id_number, country=form.country, today=today)
    except ids.IdDocumentError as exc:
        where = "country" if exc.key in _COUNTRY_KEYS else (
            "id_type" if exc.key == ids.UNKNOWN_TYPE else "id_number")
        raise FormError(where, exc.key, exc.message) from None
    if document.id_type in FREE_FORM_TYPES and ids.looks_like_resident_id(document.number, today=today):
        # Its own rules (check character, region) would not apply under a free-form type,
        # and a blocklisted resident ID must not get in as a "passport".
        raise FormError("id_type", RESIDENT_ID_AS_FREE_FORM,
                        "this number is a resident ID or residence permit number; choose that type")
    name = _text(form.name, "name")
    try:
        mobile = ids.normalise_mobile(form.mobile)
    except ids.IdDocumentError as exc:
        raise FormError("mobile", exc.key, exc.message) from None
    host = _text(form.host, "host")
    purpose = _text(form.purpose, "purpose")
    size = form.party_size
    if isinstance(size, bool) or not isinstance(size, int) or not PARTY_MIN <= size <= PARTY_MAX:
        raise FormError("party_size", PARTY_SIZE_RANGE,
                        f"a party is {PARTY_MIN} to {PARTY_MAX} people")
    if form.privacy_notice_version != notice_version:
        raise FormError("privacy_notice_version", PRIVACY_NOT_ACCEPTED,
                        "the current privacy notice has not been accepted")
    invitation = form.invitation
    if invitation is not None and (
            not isinstance(invitation, str) or not 0 < len(invitation) <= INVITATION_MAX
            or not invitation.isascii() or not invitation.isprintable()):
        raise FormError("invitation", INVITATION_INVALID, "the invitation code cannot be read")
    request = VisitorRequest(id_type=document.id_type, id_number=document.number,  # type: ignore[arg-type]
                             name=name, mobile=mobile, host=host, purpose=purpose, party_size=size,
                             invitation=invitation, id_country=document.country,
                             client_id=form.client_id)
    return ValidRegistration(request, ids.canonical_key(document.id_type, document.number))
