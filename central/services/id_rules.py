"""Central's use of the shared rules for what a person types: ID numbers (lobby_core.id_documents),
mobiles and free text (lobby_core.text), turned into `Invalid` answers that carry the rule's
message key, and the keyed hashes the blocklist matches ID numbers on."""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from lobby_core import id_documents
from lobby_core.id_documents import IdDocument, IdDocumentError
from lobby_core.text import TextError, clean_text

from ..context import Central
from ..errors import Invalid

# Free-form types: their own rule is only "5 to 20 letters and digits", so a resident ID number
# typed under one of them would dodge its check character and, before canonical matching, the
# blocklist. Central refuses it with this key (the shared core has no key for this refusal).
FREE_FORM_TYPES: Final[tuple[str, ...]] = (id_documents.PASSPORT, id_documents.OTHER)
RESIDENT_ID_AS_FREE_FORM: Final = "id.resident_id_as_free_form"
MESSAGE_KEYS: Final[frozenset[str]] = id_documents.MESSAGE_KEYS | {RESIDENT_ID_AS_FREE_FORM}

# Hash domains (Secrets.keyed_hash keeps domains apart). "id" + the canonical key, no type: one
# person's number gives one hash whatever type was claimed. The legacy domain was "id:" + type.
CANONICAL_DOMAIN: Final = "id"
_LEGACY_DOMAIN_PREFIX: Final = "id:"


def text(value: str, field: str, *, max_length: int = 100, required: bool = True,
         multiline: bool = False) -> str:  # fmt: skip
    """`value` in its stored form (lobby_core.text), or Invalid `bad_text` with the rule's key."""
    try:
        return clean_text(value, field=field, max_length=max_length, required=required, multiline=multiline)
    except TextError as exc:
        raise Invalid(str(exc), code="bad_text", key=exc.key, field=field) from None


def optional_text(value: str | None, field: str, *, max_length: int = 100) -> str | None:
    """Like text() for an optional field: None or blank is None."""
    if value is None:
        return None
    return text(value, field, max_length=max_length, required=False) or None


def document(id_type: str, number: str, country: str | None = None, *, strict: bool = True) -> IdDocument:
    """The validated document (canonical number; ISO alpha-3 country for passports), or Invalid
    `bad_id_number` whose key says why and whose message never holds the number. `strict` also
    refuses a resident ID number under a free-form type (registering; a lookup may allow it)."""
    try:
        doc = id_documents.validate(id_type, number, country=country)
    except IdDocumentError as exc:
        raise Invalid(exc.message, code="bad_id_number", key=exc.key) from None
    if strict and id_type in FREE_FORM_TYPES and id_documents.looks_like_resident_id(doc.number):
        raise Invalid(
            "This number is a resident ID or residence permit number: choose that document type.",
            code="bad_id_number",
            key=RESIDENT_ID_AS_FREE_FORM,
        )
    return doc


def mobile(number: str) -> str:
    """The canonical mobile number, or Invalid `bad_mobile` with the rule's key."""
    try:
        return id_documents.normalise_mobile(number)
    except IdDocumentError as exc:
        raise Invalid(exc.message, code="bad_mobile", key=exc.key) from None


def canonical_hash(central: Central, doc: IdDocument) -> str:
    """The hash stored for new blocklist entries and visits: of the canonical key, no type in it."""
    return central.secrets.keyed_hash(CANONICAL_DOMAIN, id_documents.canonical_key(doc.id_type, doc.number))


def legacy_hashes(central: Central, doc: IdDocument) -> set[str]:
    """The hashes blocklist entries made before canonical matching may hold for this number.

    Those entries kept only keyed_hash("id:" + their type, number) and a masked copy, so they
    cannot be re-hashed. Computing the old hash under EVERY type for the canonical number (and for
    its canonical key, where renewal digits were dropped) lets an old entry match a number claimed
    under any type, like a new one. The old normalisation (spaces and dashes gone, upper case) is
    a subset of the shared one, so the canonical number is what the old code hashed."""
    values = {doc.number, id_documents.canonical_key(doc.id_type, doc.number)}
    domains = [_LEGACY_DOMAIN_PREFIX + t for t in id_documents.ID_TYPES]
    return {central.secrets.keyed_hash(d, v) for d in domains for v in values}


def match_hashes(central: Central, doc: IdDocument) -> set[str]:
    """Every hash under which an active blocklist entry for this number may be stored."""
    return {canonical_hash(central, doc)} | legacy_hashes(central, doc)


def kiosk_hash(central: Central, doc: IdDocument) -> str:
    """The hash kiosks check registrations against: HMAC-SHA256 of the canonical key under the
    derived kiosk blocklist key (GET /api/v1/blocklist publishes both)."""
    canonical = id_documents.canonical_key(doc.id_type, doc.number)
    return kiosk_hash_of(central.secrets.kiosk_blocklist_key, canonical)


def kiosk_hash_of(key: bytes, canonical: str) -> str:
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
