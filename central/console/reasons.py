"""An entrance event's outcome in words for reception: what the gate said to the member.

The refusal texts are the kiosk's own (kiosk.domain.messages, "access.denied.<reason>"), so
reception reads what the member read; central may not import the kiosk, so they are repeated
here as English message ids with their zh_CN in console.po, and a unit test holds both to the
kiosk's table. Where the kiosk's text has a parameter the event does not carry (a date, a
time, a capacity), the sentence is reworded without it.
"""

from __future__ import annotations

from collections.abc import Callable

# reason -> English message id (zh_CN in translations/zh_CN/LC_MESSAGES/console.po).
REASONS: dict[str, str] = {
    "unknown_card": "This card is not recognised. Please ask at reception.",
    "blocked": "This card cannot be used at the moment. Please ask at reception.",
    "frozen": "Your membership is frozen. To resume it, please see reception.",
    "not_yet_valid": "Your membership has not started yet. Ask at reception if this is wrong.",
    "expired": "Your membership has expired. Please renew at reception.",
    "facility_not_included": "Your membership does not include this facility. "
    "Please see reception to add it.",
    "outside_hours": "The facility is closed now.",
    "no_visits_left": "You have no visits left on your pass. Please top up at reception.",
    "anti_passback": "This card was just used to enter. If the gate did not open, please ask at reception.",
    "already_inside": "Our records show you are already inside. "
    "If you left without tapping out, please see reception.",
    "facility_full": "The facility is full. Please try again in a few minutes.",
    "stale_data": "This kiosk's member list is out of date, so card entry is paused. "
    "Please see reception to get in.",
}
# The kiosk's texts for these name a parameter central does not receive.
REWORDED = frozenset({"not_yet_valid", "expired", "anti_passback", "facility_full"})

VISIT_USED = "visit_used"  # a granted entry that spent one visit of a package

# outcome -> its label (the log's filter, and the words for a passage).
OUTCOME_LABELS: dict[str, str] = {
    "granted": "Granted",
    "denied": "Refused",
    "unconfirmed": "Granted, gate not confirmed",
    "gate_failed": "The gate did not open",
}


def in_words(outcome: str | None, reason: str | None, gettext: Callable[..., str]) -> str:
    """What happened at the gate, in the viewer's language."""
    if outcome == "denied":
        if reason in REASONS:
            return gettext(REASONS[reason])
        # A reason a newer kiosk knows and this console does not: shown as sent, never hidden.
        return gettext("Refused ({reason})", reason=reason) if reason else gettext("Refused")
    if outcome == "granted" and reason == VISIT_USED:
        return gettext("Granted (one visit used)")
    if outcome in OUTCOME_LABELS:
        return gettext(OUTCOME_LABELS[outcome])
    # Central stores what a kiosk sent; an event without an outcome counts as a passage.
    return gettext("Granted") if outcome is None else outcome
