"""Member result: what the screen says after a card tap, in the member's words.

Granted: a welcome, the (already masked) name, visits left and the locker number. Refused:
the reason in plain words with what to do next (kiosk.domain.messages has those texts in
both languages, with the dates and times the decision carries). A tap the kiosk could not
finish (store or relay trouble) sends the member to staff. Each outcome names its sound.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain import messages
from kiosk.ui.i18n import N_, Translate
from kiosk.ui.ports import EntranceResultLike

# Message keys the entrance adds beyond the decision engine's (kiosk.entrance.result);
# repeated here because the UI may not import the entrance layer.
EXIT_GRANTED = "exit.granted"
EXIT_UNKNOWN = "exit.denied.unknown_card"
SYSTEM_ERROR = "access.error"

OWN_TEXTS = {
    EXIT_GRANTED: N_("Goodbye! Please go through."),
    EXIT_UNKNOWN: N_("This card is not recognised. Please ask at reception to leave."),
    SYSTEM_ERROR: N_("Sorry, your card could not be checked just now. Please ask at reception."),
}


class Sound(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


@dataclass(frozen=True)
class MemberResultView:
    granted: bool
    title: str
    message: str  # the reason and what to do next (refused), or the welcome
    name: str  # masked; "" when unknown
    visits_left: str  # "" when unlimited or not applicable
    locker: str  # "" when none
    staff_note: str  # the gate or the locker needs staff; "" when all went well
    sound: Sound


def present(result: EntranceResultLike, _: Translate, lang: str) -> MemberResultView:
    gate_failed = result.granted and _gate_failed(result)
    granted = result.granted and not gate_failed
    if gate_failed:
        message = _("The gate did not open, and no visit was used. Please ask at reception.")
    elif result.message_key in OWN_TEXTS:
        message = _(OWN_TEXTS[result.message_key])
    elif result.granted:
        message = ""  # the welcome is the title; name, visits and locker have their own lines
    else:
        message = messages.render(result.message_key, result.detail, lang)
    visits = ""
    if result.granted and result.visits_left is not None:
        visits = _("Visits left: {n}").format(n=result.visits_left)
    locker = ""
    if result.locker:
        locker = _("Your locker: {locker}").format(locker=result.locker)
    elif result.granted and result.detail.get("locker") == "none_free":
        locker = _("No locker is free right now; please ask at reception.")
    notes = []
    if result.see_staff and granted:
        notes.append(_("The gate may not have opened. Please ask at reception."))
    if result.detail.get("locker_failed") == "true":
        notes.append(_("Your locker did not open. Staff will open it for you."))
    if not granted:
        title = _("Entry refused")
    elif result.direction == "exit":
        title = _("Goodbye")
    else:
        title = messages.render(messages.GRANTED, {}, lang)
    return MemberResultView(
        granted=granted, title=title, message=message,
        name=result.display_name if granted else "",
        visits_left=visits if granted else "", locker=locker if granted else "", staff_note=" ".join(notes),
        sound=Sound.GRANTED if granted else Sound.REFUSED,
    )


def _gate_failed(result: EntranceResultLike) -> bool:
    """A granted tap whose pulse failed was refunded: the member did not get in."""
    return getattr(getattr(result, "pulse", None), "value", None) == "failed"
