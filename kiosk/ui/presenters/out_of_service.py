"""Out of service: which critical device is down, and what still works without it.

The card reader and the gate relay are critical: without either, members cannot get in by
card. The screen replaces Home while one is down (never in the middle of someone's visit)
and says, in plain words, what a person can still do here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.ui.i18n import N_, Translate
from kiosk.ui.ports import HealthLike

CRITICAL = ("card_reader", "relay")
NOT_CONFIGURED = "not configured"  # what an optional device's health says when the config names none

DEVICE_NAMES = {
    "card_reader": N_("card reader"),
    "relay": N_("turnstile"),
    "printer": N_("slip printer"),
    "qr_scanner": N_("QR code scanner"),
    "id_reader": N_("ID card reader"),
}


def _down(health: Mapping[str, HealthLike], name: str) -> bool:
    h = health.get(name)
    return h is not None and getattr(h, "state", None) == "down"


def critical_down(health: Mapping[str, HealthLike]) -> list[str]:
    """The critical devices that are down (degraded still works), in a fixed order."""
    return [name for name in CRITICAL if _down(health, name)]


@dataclass(frozen=True)
class OutOfServiceView:
    title: str
    problem: str
    still_works: list[str]
    visitor_works: bool


def present(health: Mapping[str, HealthLike], _: Translate) -> OutOfServiceView:
    down = critical_down(health)
    names = [_(DEVICE_NAMES[n]) for n in down]
    problem = _("The {devices} is not working, so member cards cannot be used here now. "
                "Please ask at reception to get in.").format(devices=" + ".join(names))
    works: list[str] = []
    scanner = health.get("qr_scanner")
    scanner_works = scanner is not None and scanner.is_ok and scanner.reason != NOT_CONFIGURED
    if scanner_works and not _down(health, "relay"):
        works.append(_("Visitors with a slip can still scan it at the turnstile."))
    # Registering a visitor needs only the screen; the slip prints or shows on screen.
    works.append(_("Visitors can still check in here."))
    works.append(_("Press Help and reception will come to you."))
    return OutOfServiceView(title=_("Card entry is out of service"), problem=problem,
                            still_works=works, visitor_works=True)
