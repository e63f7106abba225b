"""The visitor-pass decision (kiosk.domain.passes): every reason, its boundaries, and the order
of the checks; the screen's texts exist for every reason in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.messages import LANGUAGES, PASS_MESSAGES, placeholders, render
from kiosk.domain.passes import (
    PASS_GOODBYE,
    PASS_GRANTED,
    PassDecision,
    PassPolicy,
    PassReason,
    PassUsage,
    Unreadable,
    decide_exit,
    decide_pass,
    pass_denied_key,
    read_pass,
)
from lobby_core import passes
from tests.unit.domain.pass_builders import (
    NOW,
    OTHER_RING,
    POLICY,
    altered,
    claims,
    invitation,
    signed,
    trust,
)

SKEW = POLICY.skew
UNUSED = PassUsage()


def decide(c: passes.PassClaims | None = None, usage: PassUsage = UNUSED, *, at: datetime = NOW,
           facility: str = "gym", revoked: tuple[int, ...] = (),
           policy: PassPolicy = POLICY) -> PassDecision:
    return decide_pass(c or claims(), usage, facility, at, policy, passes.RevocationList(revoked))


# -- reading -----------------------------------------------------------------------------------

def test_a_genuine_pass_reads_as_its_claims() -> None:
    read = read_pass(signed(), trust())
    assert isinstance(read, passes.PassClaims)
    assert (read.pass_id, read.visit_id, read.entries_allowed) == (7001, 42, 2)


@pytest.mark.parametrize("text", ["", "hello", "V1:7f3a-SECRET", "0" * 122, signed()[:-1],
                                  signed() + "0", "\x00\xff", "€" * 40])
def test_garbage(text: str) -> None:
    assert read_pass(text, trust()) == Unreadable(PassReason.GARBAGE)


def test_scanner_terminators_are_forgiven() -> None:
    assert isinstance(read_pass(signed() + "\r\n", trust()), passes.PassClaims)


def test_forged_by_an_altered_body_or_an_unknown_key() -> None:
    assert read_pass(altered(signed()), trust()) == Unreadable(PassReason.FORGED)
    assert read_pass(signed(OTHER_RING), trust()) == Unreadable(PassReason.FORGED)
    # A kiosk's own key, once synced beside central's, is trusted like central's.
    assert isinstance(read_pass(signed(OTHER_RING), trust(OTHER_RING)), passes.PassClaims)


def test_an_invitation_is_the_wrong_kind_and_a_forged_one_is_forged() -> None:
    assert read_pass(invitation(), trust()) == Unreadable(PassReason.WRONG_KIND)
    assert read_pass(invitation(OTHER_RING), trust()) == Unreadable(PassReason.FORGED)


@given(st.text(max_size=300))
def test_any_text_reads_as_claims_or_a_reason(text: str) -> None:
    read = read_pass(text, trust())
    assert isinstance(read, Unreadable) and read.reason in (
        PassReason.GARBAGE, PassReason.FORGED, PassReason.WRONG_KIND)


# -- deciding ----------------------------------------------------------------------------------

def test_granted_counts_down_the_entries() -> None:
    d = decide()
    assert (d.granted, d.reason, d.message_key, d.entries_left) == (True, None, PASS_GRANTED, 1)
    assert decide(usage=PassUsage(1, NOW - timedelta(hours=1))).entries_left == 0
    assert decide(claims(entries_allowed=None), PassUsage(500)).entries_left is None


def test_validity_window_with_the_skew_either_side() -> None:
    c = claims()
    assert decide(c, at=c.valid_from - SKEW).granted
    early = decide(c, at=c.valid_from - SKEW - timedelta(seconds=1))
    assert (early.reason, early.detail) == (PassReason.NOT_YET_VALID, {"valid_from": "2026-06-01 09:00"})
    assert decide(c, at=c.valid_until + SKEW - timedelta(seconds=1)).granted
    late = decide(c, at=c.valid_until + SKEW)
    assert (late.reason, late.detail) == (PassReason.EXPIRED, {"valid_until": "2026-06-01 11:00"})


def test_wrong_facility() -> None:
    assert decide(facility="pool").reason is PassReason.WRONG_FACILITY
    assert decide(claims(facilities=frozenset({"gym", "pool"})), facility="pool").granted


def test_used_up_at_exactly_entries_allowed() -> None:
    c = claims(entries_allowed=1)
    long_ago = NOW - timedelta(hours=1)
    assert decide(c, PassUsage(0, None)).granted
    used = decide(c, PassUsage(1, long_ago))
    assert (used.reason, used.detail) == (PassReason.USED_UP, {"entries": "1"})
    assert decide(claims(entries_allowed=3), PassUsage(2, long_ago)).granted


def test_revoked() -> None:
    assert decide(revoked=(7001,)).reason is PassReason.REVOKED
    assert decide(revoked=(7002,)).granted


def test_anti_passback_window_both_ways() -> None:
    window = POLICY.anti_passback
    assert decide(usage=PassUsage(1, NOW - window)).granted
    just = decide(usage=PassUsage(1, NOW - window + timedelta(seconds=1)))
    assert (just.reason, just.detail) == (PassReason.ANTI_PASSBACK, {"retry_at": "10:01"})  # 10:00:01, up
    # A last entry in the future (the clock stepped back) also holds the pass.
    assert decide(usage=PassUsage(1, NOW + timedelta(seconds=30))).reason is PassReason.ANTI_PASSBACK
    assert decide(usage=PassUsage(1, NOW + window)).granted
    off = replace(POLICY, anti_passback=timedelta(0))
    assert decide(usage=PassUsage(1, NOW), policy=off).granted


def test_the_order_of_the_checks() -> None:
    used, revoked = PassUsage(2, NOW), (7001,)
    late = NOW + timedelta(hours=2)
    assert decide(usage=used, revoked=revoked, at=late, facility="pool").reason is PassReason.EXPIRED
    assert decide(usage=used, revoked=revoked, facility="pool").reason is PassReason.WRONG_FACILITY
    assert decide(usage=used, revoked=revoked).reason is PassReason.USED_UP
    assert decide(usage=PassUsage(1, NOW), revoked=(7001,)).reason is PassReason.REVOKED
    assert decide(usage=PassUsage(1, NOW)).reason is PassReason.ANTI_PASSBACK


def test_a_naive_time_is_a_bug() -> None:
    with pytest.raises(ValueError, match="naive"):
        decide(at=NOW.replace(tzinfo=None))


# -- the exit (check-out) -----------------------------------------------------------------------

def leave(c: passes.PassClaims | None = None, *, at: datetime = NOW, revoked: tuple[int, ...] = (),
          policy: PassPolicy = POLICY) -> PassDecision:
    return decide_exit(c or claims(), at, policy, passes.RevocationList(revoked))


def test_an_exit_ignores_facility_entries_and_anti_passback() -> None:
    # decide_exit takes no facility and no usage: a gym pass at the lobby's exit, a used-up
    # pass, one scanned twice in a row all open the exit.
    d = leave(claims(facilities=frozenset({"pool"}), entries_allowed=1))
    assert (d.granted, d.reason, d.message_key, d.entries_left) == (True, None, PASS_GOODBYE, None)


def test_an_exit_is_open_until_the_grace_after_the_window() -> None:
    c = claims()
    end = c.valid_until + SKEW + POLICY.exit_grace
    assert leave(c, at=c.valid_until + SKEW).granted  # expired for an entry, not for an exit
    assert leave(c, at=end - timedelta(seconds=1)).granted
    late = leave(c, at=end)
    assert (late.reason, late.detail) == (PassReason.EXPIRED, {"valid_until": "2026-06-01 11:00"})
    short = replace(POLICY, exit_grace=timedelta(minutes=30))
    assert leave(c, at=c.valid_until + SKEW + timedelta(minutes=29), policy=short).granted
    assert not leave(c, at=c.valid_until + SKEW + timedelta(minutes=30), policy=short).granted


def test_an_exit_before_the_window_and_a_revoked_pass_are_refused() -> None:
    c = claims()
    assert leave(c, at=c.valid_from - SKEW).granted
    early = leave(c, at=c.valid_from - SKEW - timedelta(seconds=1))
    assert (early.reason, early.detail) == (PassReason.NOT_YET_VALID, {"valid_from": "2026-06-01 09:00"})
    assert leave(revoked=(7001,)).reason is PassReason.REVOKED
    assert leave(revoked=(7002,)).granted
    # The order: a long-expired revoked pass says expired.
    assert leave(revoked=(7001,), at=NOW + timedelta(days=1)).reason is PassReason.EXPIRED
    with pytest.raises(ValueError, match="naive"):
        leave(at=NOW.replace(tzinfo=None))


# -- the screen's texts ------------------------------------------------------------------------

def test_one_text_per_reason_plus_granted() -> None:
    base = {k for k in PASS_MESSAGES if ".hint." not in k}
    assert base == {PASS_GRANTED, PASS_GOODBYE, "pass.denied.not_supported"} | {
        pass_denied_key(r) for r in PassReason}


@pytest.mark.parametrize("key", sorted(PASS_MESSAGES))
def test_every_pass_text_in_both_languages_with_the_same_parameters(key: str) -> None:
    texts = PASS_MESSAGES[key]
    assert set(texts) == set(LANGUAGES) and all(t.strip() for t in texts.values())
    assert placeholders(texts["zh_CN"]) == placeholders(texts["en"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_decision_renders_with_its_own_detail(lang: str) -> None:
    late = NOW + timedelta(hours=2)
    decisions = [decide(), decide(at=late), decide(at=NOW - timedelta(hours=2)), decide(facility="pool"),
                 decide(usage=PassUsage(2, NOW - timedelta(hours=1))), decide(revoked=(7001,)),
                 decide(usage=PassUsage(1, NOW))]
    assert {d.reason for d in decisions} == set(PassReason) - {
        PassReason.GARBAGE, PassReason.FORGED, PassReason.WRONG_KIND} | {None}
    for d in decisions:
        assert render(d.message_key, d.detail, lang)
    assert render(PASS_GRANTED, {"entries_left": "1"}, "en") == "Welcome! Please go through. Entries left: 1."
    assert render(leave().message_key, leave().detail, "en") == "Goodbye! Please go through."
    assert "大堂自助机" in render(pass_denied_key(PassReason.WRONG_KIND), {}, "zh_CN")
