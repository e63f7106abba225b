"""What the visitor screens say, as gettext message ids (English) with their parameters.

A presenter never translates: it hands a `Text` to its screen, which renders it with the
catalog's gettext (kiosk/ui/i18n.py), so a language switch redraws the same state in the other
language. `N_` marks an id for extraction without translating it. Every refusal key the form
rules can raise (lobby_core.id_documents, lobby_core.text, kiosk.app.visitor_form) has its text
here; a test ties the two sets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from kiosk.app import visitor_form as vf
from kiosk.domain import messages
from lobby_core import id_documents as ids


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark, do not translate"
    return msgid


@dataclass(frozen=True, slots=True)
class Text:
    """A message id and the values for its {placeholders}. `domain` texts are keys of
    kiosk.domain.messages (the entrance's and invitations' texts, kept there in both
    languages), rendered by it rather than by gettext."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    domain: bool = False

    def render(self, gettext: Callable[[str], str], lang: str = "zh_CN") -> str:
        if self.domain:
            return messages.render(self.msgid, {k: str(v) for k, v in self.params.items()}, lang)
        return gettext(self.msgid).format_map(dict(self.params))


def domain_text(key: str, detail: Mapping[str, str]) -> Text:
    return Text(key, MappingProxyType(dict(detail)), domain=True)


def text(msgid: str, **params: object) -> Text:
    return Text(msgid, MappingProxyType(params))


# -- the ID types a visitor can choose, in the order the list shows them --------------------
ID_TYPE_LABELS: Final[dict[str, str]] = {
    ids.CN_RIC: N_("Resident ID card"),
    ids.HMT_RES_PERMIT: N_("HK/Macao/Taiwan residence permit"),
    ids.FOREIGN_PR: N_("Foreign permanent residence ID"),
    ids.PASSPORT: N_("Passport"),
    ids.HK_MACAO_PERMIT: N_("HK/Macao home-return permit"),
    ids.TAIWAN_PERMIT: N_("Taiwan compatriot permit"),
    ids.OTHER: N_("Other ID"),
}

# -- why a field was refused (the form rules' stable keys) ----------------------------------
FIELD_ERRORS: Final[dict[str, str]] = {
    ids.BAD_CHECK: N_("This ID number is not valid. Please check every digit and the last character."),
    ids.BAD_DATE: N_("The date of birth in this ID number is not a real date."),
    ids.UNKNOWN_REGION: N_("This ID number does not start with a known region code."),
    ids.WRONG_LENGTH: N_("This ID number has the wrong number of characters."),
    ids.WRONG_CHARACTERS: N_("This ID number has characters that do not belong in it."),
    ids.UNKNOWN_TYPE: N_("Please choose the type of your ID."),
    ids.UNKNOWN_COUNTRY: N_("Please choose the country that issued your passport."),
    ids.MISSING_COUNTRY: N_("Please choose the country that issued your passport."),
    ids.MOBILE_WRONG_CHARACTERS: N_("A mobile number has only digits (and + for another country)."),
    ids.MOBILE_WRONG_LENGTH: N_("A mainland mobile number has 11 digits; another country's starts with +."),
    ids.MOBILE_BAD_PREFIX: N_("A mainland mobile number starts with 13 to 19."),
    vf.RESIDENT_ID_AS_FREE_FORM: N_("This is a resident ID or residence permit number. "
                                    "Please choose that type."),
    vf.PARTY_SIZE_RANGE: N_("A party is 1 to 10 people."),
    vf.PRIVACY_NOT_ACCEPTED: N_("Please read the privacy notice and tick to agree."),
    vf.INVITATION_INVALID: N_("This invitation code cannot be read."),
    "text.empty": N_("Please fill this in."),
    "text.too_long": N_("This is too long."),
    "text.bad_characters": N_("This has characters that cannot be used."),
    "text.not_text": N_("This has characters that cannot be used."),
    "host.not_chosen": N_("Please search and tap the person or company you are visiting."),
    "purpose.not_chosen": N_("Please choose why you are visiting."),
}
UNKNOWN_ERROR: Final = N_("Please check this and try again.")


def field_error(key: str) -> Text:
    return text(FIELD_ERRORS.get(key, UNKNOWN_ERROR))


# -- purposes offered as buttons (stored as shown, in the visitor's language) ---------------
PURPOSES: Final[dict[str, str]] = {
    "visit": N_("Visiting someone"),
    "meeting": N_("Business meeting"),
    "interview": N_("Job interview"),
    "delivery": N_("Delivery"),
    "repair": N_("Repair or maintenance"),
    "other": N_("Other"),
}
INVITED_PURPOSE: Final = N_("Invited guest")
