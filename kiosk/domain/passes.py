"""Decide whether a scanned visitor pass may enter here now (pure functions, no IO).

Two steps, because the second needs the kiosk's own count for the pass, which only exists
once the code is known to be genuine:

1. `read_pass(text, trust)`: decode and verify the signature offline (lobby_core.passes).
   garbage        not one of our codes (characters, length, kind byte, field values)
   forged         a bad signature, or a key this kiosk was never given (central's keys and
                  enrolled kiosks' keys, as synced)
   wrong_kind     a genuine code of another kind: an invitation belongs at the lobby kiosk
2. `decide_pass(claims, usage, ...)`, the first failing check giving the reason:
   not_yet_valid / expired   the validity window, widened by `PassPolicy.skew` either side
                  (lobby_core.passes.DEFAULT_SKEW, 2 minutes: a kiosk's clock a little off
                  must not turn a visitor away at the start or end of a visit); the window's
                  times are shown in the kiosk's zone
   wrong_facility the pass does not list this kiosk's facility
   used_up        its `entries_allowed` are spent here (None = unlimited)
   revoked        on the synced revocation list
   anti_passback  granted here less than `anti_passback` ago (|now - last|, as for cards: a
                  last entry in the future after a clock step back also counts)

The order is the brief's: a used-up pass says "used up" even if it was also revoked since.

3. `decide_exit(claims, now, policy, revocations)`, at an exit kiosk (check-out, 签离). An exit
   is never refused to a genuine, unrevoked pass of this property (signed with our keys):
   facility, entries left and anti-passback do not apply (nobody is let *in*, and a visitor
   must never be kept inside by a count or by the gym's pass at the lobby's exit). The window
   still applies, widened: from `valid_from - skew` to `valid_until + skew + exit_grace`
   (`PassPolicy.exit_grace`, 4 hours by default: a visitor who overstayed an afternoon pass
   still leaves by the exit that evening, while last week's slip opens nothing). Checks in
   order: not_yet_valid, expired, revoked. A refused exit tells the visitor to see reception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from lobby_core import passes


class PassReason(StrEnum):
    GARBAGE = "garbage"
    FORGED = "forged"
    WRONG_KIND = "wrong_kind"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    WRONG_FACILITY = "wrong_facility"
    USED_UP = "used_up"
    REVOKED = "revoked"
    ANTI_PASSBACK = "anti_passback"


PASS_GRANTED = "pass.granted"
PASS_GOODBYE = "pass.goodbye"  # an exit granted
# How long after its window a pass still opens the exit: the length of a default pass
# (central's CENTRAL_PASS_VALIDITY_S default), so an overstay of an afternoon still gets out.
DEFAULT_EXIT_GRACE = timedelta(hours=4)


def pass_denied_key(reason: PassReason) -> str:
    return f"pass.denied.{reason.value}"


@dataclass(frozen=True, slots=True)
class PassTrust:
    """What the kiosk verifies passes with, as sync last stored it."""

    keys: passes.TrustedKeys
    facilities: passes.FacilityTable = passes.DEFAULT_FACILITIES
    revocations: passes.RevocationList = field(default_factory=passes.RevocationList)


@dataclass(frozen=True, slots=True)
class PassUsage:
    """This kiosk's own record of one pass: entries granted (not refunded) and the last one."""

    entries: int = 0
    last_entry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PassPolicy:
    zone: ZoneInfo
    anti_passback: timedelta = timedelta(minutes=2)
    skew: timedelta = passes.DEFAULT_SKEW
    exit_grace: timedelta = DEFAULT_EXIT_GRACE


@dataclass(frozen=True, slots=True)
class PassDecision:
    granted: bool
    reason: PassReason | None
    message_key: str
    entries_left: int | None = None  # after this entry; None = unlimited (or refused)
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A scan that is not a genuine pass: why, and nothing of what was scanned."""

    reason: PassReason


def refusal(reason: PassReason, detail: dict[str, str] | None = None) -> PassDecision:
    return PassDecision(False, reason, pass_denied_key(reason), None, detail or {})


def read_pass(text: str, trust: PassTrust) -> passes.PassClaims | Unreadable:
    """The verified claims of a scanned pass, or why it is not one. Never raises PassError."""
    try:
        return passes.decode_pass(text, trust.keys, trust.facilities)
    except passes.WrongKind:  # before BadFormat: it is a subclass
        return Unreadable(PassReason.WRONG_KIND)
    except passes.BadFormat:
        return Unreadable(PassReason.GARBAGE)
    except (passes.UnknownKey, passes.BadSignature):
        return Unreadable(PassReason.FORGED)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _retry_at(last: datetime, window: timedelta, zone: ZoneInfo) -> str:
    # Rounded up to the minute, like the card's (kiosk.domain.access): a visitor told "after
    # 18:04" must not be refused at 18:04:00.
    at = (last + window).astimezone(zone)
    if at.second or at.microsecond:
        at = (at + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return at.strftime("%H:%M")


def decide_pass(claims: passes.PassClaims, usage: PassUsage, facility: str, now: datetime,
                policy: PassPolicy, revocations: passes.RevocationList) -> PassDecision:
    """Grant or refuse a verified pass; see the module docstring for the order of checks."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got naive {now!r}")
    try:
        claims.validate(now, policy.skew)
    except passes.NotYetValid:
        return refusal(PassReason.NOT_YET_VALID, {"valid_from": _local(claims.valid_from, policy.zone)})
    except passes.Expired:
        return refusal(PassReason.EXPIRED, {"valid_until": _local(claims.valid_until, policy.zone)})
    if not claims.admits(facility):
        return refusal(PassReason.WRONG_FACILITY)
    allowed = claims.entries_allowed
    if allowed is not None and usage.entries >= allowed:
        return refusal(PassReason.USED_UP, {"entries": str(allowed)})
    if revocations.is_revoked(claims):
        return refusal(PassReason.REVOKED)
    last = usage.last_entry_at
    if last is not None and policy.anti_passback and abs(now - last) < policy.anti_passback:
        return refusal(PassReason.ANTI_PASSBACK,
                       {"retry_at": _retry_at(last, policy.anti_passback, policy.zone)})
    left = None if allowed is None else allowed - usage.entries - 1
    detail = {"valid_until": _local(claims.valid_until, policy.zone)}
    if left is not None:
        detail["entries_left"] = str(left)
    return PassDecision(True, None, PASS_GRANTED, left, detail)


def decide_exit(claims: passes.PassClaims, now: datetime, policy: PassPolicy,
                revocations: passes.RevocationList) -> PassDecision:
    """Open the exit for a verified pass or say why not; see rule 3 of the module docstring."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got naive {now!r}")
    if now < claims.valid_from - policy.skew:
        return refusal(PassReason.NOT_YET_VALID, {"valid_from": _local(claims.valid_from, policy.zone)})
    if now >= claims.valid_until + policy.skew + policy.exit_grace:
        return refusal(PassReason.EXPIRED, {"valid_until": _local(claims.valid_until, policy.zone)})
    if revocations.is_revoked(claims):
        return refusal(PassReason.REVOKED)
    return PassDecision(True, None, PASS_GOODBYE, None, {})
