"""The visitor's registration steps: ID, name, mobile, host, purpose, party size, privacy notice.

One `VisitorSteps` holds what the visitor entered, checks each step by the same rules the
visitor desk applies (lobby_core.id_documents, lobby_core.text, kiosk.app.visitor_form), and
moves back and forth. A read ID card fills the type, number and name: the visitor then only
confirms them (or chooses to type instead, which drops what the card gave). `wipe()` forgets
everything (cancel, idle timeout, done), the registration's client id included, so the next
visitor starts from nothing. The desk validates the whole form again on submit; a refusal
there sends the visitor back to the step of the refused field (`refused`).

An invited visitor (`invitation` set) is asked only for the ID, the name, the mobile and the
privacy notice: the host is the invitation's and the purpose "Invited guest".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Final

from kiosk.app import visitor_form as vf
from kiosk.app.visitor_desk import VisitorForm
from lobby_core import id_documents as ids
from lobby_core.masking import mask_id_number, mask_name
from lobby_core.text import TextError, clean_text

from .texts import INVITED_PURPOSE, PURPOSES, Text, field_error
from .visitor_ports import HostLike, IdCardLike

MIN_QUERY: Final = 2  # the desk never searches shorter text: no browsing the directory
MAX_MATCHES: Final = 10
NUMBER_MAX: Final = 20  # the longest ID number any type allows (free-form: 5 to 20)
MOBILE_MAX: Final = 16  # + and 15 digits (E.164)


class Step(StrEnum):
    ID = "id"
    NAME = "name"
    MOBILE = "mobile"
    HOST = "host"
    PURPOSE = "purpose"
    PARTY = "party"
    PRIVACY = "privacy"


ALL_STEPS: Final = tuple(Step)
INVITED_STEPS: Final = (Step.ID, Step.NAME, Step.MOBILE, Step.PRIVACY)
# The form field a refusal names -> the step that asks for it.
FIELD_STEP: Final[dict[str, Step]] = {
    "id_type": Step.ID, "id_number": Step.ID, "country": Step.ID, "name": Step.NAME,
    "mobile": Step.MOBILE, "host": Step.HOST, "purpose": Step.PURPOSE, "party_size": Step.PARTY,
    "privacy_notice_version": Step.PRIVACY, "invitation": Step.ID,
}


class HostSearch:
    """The host step's search: nothing listed under MIN_QUERY characters, at most MAX_MATCHES,
    and an answer for an earlier query (typed on since) is dropped."""

    def __init__(self) -> None:
        self.query = ""
        self.matches: list[HostLike] = []
        self.chosen: HostLike | None = None

    def type(self, query: str) -> bool:
        """The visitor typed; True when the desk should be asked for this query."""
        self.query = query
        self.matches = []
        return len(query.strip()) >= MIN_QUERY

    def answer(self, query: str, matches: list[HostLike]) -> bool:
        """The desk's matches for `query`; False (and ignored) when the query moved on."""
        if query != self.query or len(query.strip()) < MIN_QUERY:
            return False
        self.matches = list(matches[:MAX_MATCHES])
        return True

    @property
    def too_short(self) -> bool:
        return len(self.query.strip()) < MIN_QUERY

    def choose(self, entry: HostLike) -> None:
        if entry not in self.matches:
            raise ValueError("only a listed match can be chosen")
        self.chosen = entry

    def clear(self) -> None:
        self.query, self.matches, self.chosen = "", [], None


class VisitorSteps:
    def __init__(self, *, notice_version: str, today: Callable[[], dt.date],
                 invitation: str | None = None, invited_host: str | None = None) -> None:
        self.notice_version = notice_version
        self._today = today
        self.invitation: str | None = None
        self.invited_host: str | None = None
        self.wipe()
        self.invite(invitation, invited_host)

    # -- state -----------------------------------------------------------------------------
    def wipe(self) -> None:
        """Forget everything entered; a new registration (new client id) starts at ID."""
        self.steps: tuple[Step, ...] = ALL_STEPS
        self.step = Step.ID
        self.id_type = ids.CN_RIC
        self.id_number = ""
        self.country = ""
        self.name = ""
        self.mobile = ""
        self.hosts = HostSearch()
        self.purpose_key = ""
        self.purpose_other = ""
        self.party_size = 1
        self.consent = False
        self.card: IdCardLike | None = None
        self.error: Text | None = None
        self.error_field: str | None = None
        self.invitation = None
        self.invited_host = None
        self.client_id = str(uuid.uuid4())

    def invite(self, invitation: str | None, host: str | None = None) -> None:
        """Registration with an invitation: fewer steps (see the module's docstring)."""
        self.invitation = invitation
        self.invited_host = host
        self.steps = INVITED_STEPS if invitation is not None else ALL_STEPS

    @property
    def index(self) -> int:
        return self.steps.index(self.step)

    @property
    def progress(self) -> tuple[int, int]:
        """(this step's number from 1, how many steps)."""
        return self.index + 1, len(self.steps)

    @property
    def from_card(self) -> bool:
        return self.card is not None

    @property
    def keypad_allows_x(self) -> bool:
        """Resident IDs and the permits on their pattern end in a digit or X."""
        return self.id_type in ids.RESIDENT_ID_TYPES

    @property
    def needs_country(self) -> bool:
        return self.id_type == ids.PASSPORT

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    def _clear_error(self) -> None:
        self.error = None
        self.error_field = None

    def _fail(self, where: str, key: str) -> bool:
        self.error = field_error(key)
        self.error_field = where
        return False

    # -- what the visitor enters -------------------------------------------------------------
    def set_id_type(self, id_type: str) -> None:
        if id_type not in ids.ID_TYPES:
            raise ValueError(f"unknown ID type {id_type!r}")
        if self.card is not None:
            self.type_instead()
        self.id_type = id_type
        self._clear_error()

    def set_id_number(self, number: str) -> None:
        if self.card is None:
            self.id_number = number[:NUMBER_MAX]
            self._clear_error()

    def set_country(self, country: str) -> None:
        self.country = country.strip().upper()[:3]
        self._clear_error()

    def set_name(self, name: str) -> None:
        if self.card is None:
            self.name = name[: vf.TEXT_MAX + 1]  # one over: the check says "too long"
            self._clear_error()

    def set_mobile(self, mobile: str) -> None:
        self.mobile = mobile[:MOBILE_MAX]
        self._clear_error()

    def choose_host(self, index: int) -> None:
        """The visitor tapped the `index`th match."""
        if 0 <= index < len(self.hosts.matches):
            self.hosts.choose(self.hosts.matches[index])
            self._clear_error()

    def set_purpose(self, key: str) -> None:
        if key not in PURPOSES:
            raise ValueError(f"unknown purpose {key!r}")
        self.purpose_key = key
        self._clear_error()

    def set_purpose_other(self, value: str) -> None:
        self.purpose_other = value[: vf.TEXT_MAX + 1]
        self._clear_error()

    def set_party_size(self, size: int) -> None:
        self.party_size = max(vf.PARTY_MIN, min(vf.PARTY_MAX, size))
        self._clear_error()

    def more(self) -> None:
        self.set_party_size(self.party_size + 1)

    def fewer(self) -> None:
        self.set_party_size(self.party_size - 1)

    def set_consent(self, agreed: bool) -> None:
        self.consent = agreed
        self._clear_error()

    def fill_from_card(self, card: IdCardLike) -> bool:
        """A card was read: take its type, number and name and show the ID step to confirm.
        False (nothing changes) for a card type the form does not know."""
        id_type = vf.CARD_TYPES.get(card.id_type)
        if id_type is None:
            return False
        self.card = card
        self.id_type = id_type
        self.id_number = card.id_number
        self.name = card.name
        self.country = ""
        self.step = Step.ID
        self._clear_error()
        return True

    def type_instead(self) -> None:
        """The visitor would rather type than use the card read: what the card gave goes."""
        self.card = None
        self.id_number = ""
        self.name = ""
        self._clear_error()

    # -- moving ----------------------------------------------------------------------------
    def next(self) -> bool:
        """Check this step; move on. True when the last step passed: submit `form()` now."""
        if not self.check(self.step):
            return False
        if self.index + 1 == len(self.steps):
            return True
        self.step = self.steps[self.index + 1]
        return False

    def back(self) -> bool:
        """One step back; False on the first step (the screen then leaves the registration)."""
        self._clear_error()
        if self.index == 0:
            return False
        self.step = self.steps[self.index - 1]
        return True

    def check(self, step: Step) -> bool:
        self._clear_error()
        return getattr(self, f"_check_{step.value}")()

    def _check_id(self) -> bool:
        try:
            document = ids.validate(self.id_type, self.id_number, country=self.country or None,
                                    today=self._today())
        except ids.IdDocumentError as exc:
            where = "country" if exc.key in (ids.MISSING_COUNTRY, ids.UNKNOWN_COUNTRY) else "id_number"
            return self._fail(where, exc.key)
        if document.id_type in vf.FREE_FORM_TYPES and ids.looks_like_resident_id(
                document.number, today=self._today()):
            return self._fail("id_type", vf.RESIDENT_ID_AS_FREE_FORM)
        return True

    def _text_ok(self, value: str, where: str) -> bool:
        try:
            clean_text(value, field=where, max_length=vf.TEXT_MAX)
        except TextError as exc:
            return self._fail(where, exc.key)
        return True

    def _check_name(self) -> bool:
        return self._text_ok(self.name, "name")

    def _check_mobile(self) -> bool:
        try:
            ids.normalise_mobile(self.mobile)
        except ids.IdDocumentError as exc:
            return self._fail("mobile", exc.key)
        return True

    def _check_host(self) -> bool:
        if self.hosts.chosen is None:
            return self._fail("host", "host.not_chosen")
        return True

    def _check_purpose(self) -> bool:
        if not self.purpose_key:
            return self._fail("purpose", "purpose.not_chosen")
        if self.purpose_key == "other":
            return self._text_ok(self.purpose_other, "purpose")
        return True

    def _check_party(self) -> bool:
        if not vf.PARTY_MIN <= self.party_size <= vf.PARTY_MAX:
            return self._fail("party_size", vf.PARTY_SIZE_RANGE)
        return True

    def _check_privacy(self) -> bool:
        if not self.consent:
            return self._fail("privacy_notice_version", vf.PRIVACY_NOT_ACCEPTED)
        return True

    # -- submitting ------------------------------------------------------------------------
    def host_text(self) -> str:
        if self.invitation is not None:
            return self.invited_host or "-"
        chosen = self.hosts.chosen
        if chosen is None:
            return ""
        return f"{chosen.label} {chosen.detail}".strip() if chosen.detail else chosen.label

    def purpose_text(self, gettext: Callable[[str], str]) -> str:
        """Stored as the visitor saw it (reception reads it as typed or chosen)."""
        if self.invitation is not None:
            return gettext(INVITED_PURPOSE)
        if self.purpose_key == "other":
            return self.purpose_other
        return gettext(PURPOSES[self.purpose_key]) if self.purpose_key else ""

    def form(self, gettext: Callable[[str], str]) -> VisitorForm:
        """The form for VisitorDesk.register; the same client id until wipe(), so submitting
        twice registers one visit."""
        if self.card is not None:
            base = VisitorForm.from_id_card(self.card, mobile=self.mobile, host=self.host_text(),
                                            purpose=self.purpose_text(gettext),
                                            party_size=self.party_size,
                                            privacy_notice_version=self._accepted())
            return dataclasses.replace(base, client_id=self.client_id, invitation=self.invitation)
        return VisitorForm(id_type=self.id_type, id_number=self.id_number, name=self.name,
                           mobile=self.mobile, host=self.host_text(), purpose=self.purpose_text(gettext),
                           party_size=self.party_size, privacy_notice_version=self._accepted(),
                           country=self.country or None, invitation=self.invitation,
                           client_id=self.client_id)

    def _accepted(self) -> str:
        return self.notice_version if self.consent else ""

    def refused(self, error: vf.FormError) -> None:
        """The desk refused the form: show the refused field's step with the reason."""
        step = FIELD_STEP.get(error.field, Step.ID)
        if step not in self.steps:  # e.g. the invitation's host: nothing to fix here
            step = self.steps[0]
        self.step = step
        self.error = field_error(error.key)
        self.error_field = error.field
