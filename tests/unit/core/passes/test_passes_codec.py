"""Visitor passes: encode/decode round trip, what the issuer may not sign, time and checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from lobby_core.passes import (
    DEFAULT_SKEW,
    BadFormat,
    Expired,
    FacilityTable,
    InvalidClaims,
    InvitationClaims,
    NotYetValid,
    PassClaims,
    PassError,
    RevocationList,
    Revoked,
    WrongKind,
    check_pass,
    decode,
    decode_invitation,
    decode_pass,
    encode_invitation,
    encode_pass,
    errors,
)
from lobby_core.passes.codec import EPOCH

from .support import KEY, MINUTE, RING, T0, a_pass, pass_claims


@given(pass_claims())
def test_round_trip(claims: PassClaims) -> None:
    decoded = decode_pass(encode_pass(claims, KEY), RING)
    assert decoded == PassClaims(**{**claims.__dict__, "key_id": KEY.key_id})


def test_decoded_values() -> None:
    claims = decode_pass(encode_pass(a_pass(), KEY), RING)
    assert (claims.pass_id, claims.visit_id, claims.entries_allowed) == (7, 42, 2)
    assert claims.valid_from == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert claims.valid_until == datetime(2025, 3, 1, 13, 0, tzinfo=UTC)
    assert claims.valid_from.utcoffset() == timedelta(0)
    assert claims.facilities == {"lobby", "gym"}
    assert claims.admits("gym") and not claims.admits("pool")
    assert claims.key_id == KEY.key_id


def test_window_is_rounded_outwards_to_whole_minutes() -> None:
    claims = a_pass(valid_from=T0 + timedelta(seconds=59), valid_until=T0 + timedelta(hours=1, seconds=1))
    decoded = decode_pass(encode_pass(claims, KEY), RING)
    assert decoded.valid_from == T0
    assert decoded.valid_until == T0 + timedelta(hours=1, minutes=1)


def test_other_time_zones_mean_the_same_instant() -> None:
    beijing = datetime(2025, 3, 1, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    decoded = decode_pass(encode_pass(a_pass(valid_from=beijing), KEY), RING)
    assert decoded.valid_from == T0


def test_unlimited_entries() -> None:
    assert decode_pass(encode_pass(a_pass(entries_allowed=None), KEY), RING).entries_allowed is None


@pytest.mark.parametrize(
    "changes",
    [
        {"valid_from": datetime(2025, 3, 1, 9, 0)},  # naive
        {"valid_until": datetime(2025, 3, 1, 13, 0)},  # naive
        {"valid_from": EPOCH - MINUTE},
        {"valid_until": T0},  # empty window
        {"valid_until": T0 - MINUTE},
        {"valid_until": T0 + 65536 * MINUTE},
        {"valid_from": datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
         "valid_until": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)},
        {"pass_id": -1},
        {"pass_id": 2**32},
        {"visit_id": 2**32},
        {"visit_id": True},
        {"pass_id": "7"},
        {"entries_allowed": 0},
        {"entries_allowed": 256},
        {"entries_allowed": False},
        {"facilities": frozenset({"tennis"})},
        {"facilities": "gym"},
    ],
)
def test_issuer_cannot_sign_what_the_format_cannot_carry(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidClaims):
        encode_pass(a_pass(**changes), KEY)


def test_longest_window_is_accepted() -> None:
    claims = a_pass(valid_until=T0 + 65535 * MINUTE)
    assert decode_pass(encode_pass(claims, KEY), RING).valid_until == T0 + 65535 * MINUTE


@pytest.mark.parametrize(
    ("now", "skew", "error"),
    [
        (T0 - DEFAULT_SKEW, DEFAULT_SKEW, None),
        (T0 - DEFAULT_SKEW - timedelta(microseconds=1), DEFAULT_SKEW, NotYetValid),
        (T0, timedelta(0), None),
        (T0 - timedelta(microseconds=1), timedelta(0), NotYetValid),
        (T0 + timedelta(hours=4) - timedelta(microseconds=1), timedelta(0), None),
        (T0 + timedelta(hours=4), timedelta(0), Expired),
        (T0 + timedelta(hours=4, minutes=2) - timedelta(microseconds=1), DEFAULT_SKEW, None),
        (T0 + timedelta(hours=4, minutes=2), DEFAULT_SKEW, Expired),
        (T0 + timedelta(days=400), timedelta(minutes=30), Expired),
    ],
)
def test_validate_window_with_skew(now: datetime, skew: timedelta, error: type | None) -> None:
    claims = decode_pass(encode_pass(a_pass(), KEY), RING)
    if error is None:
        claims.validate(now, skew)
    else:
        with pytest.raises(error):
            claims.validate(now, skew)


def test_validate_needs_an_aware_now() -> None:
    with pytest.raises(TypeError):
        a_pass().validate(datetime(2025, 3, 1, 10, 0))


def test_check_pass_does_signature_time_and_revocation() -> None:
    text = encode_pass(a_pass(), KEY)
    now = T0 + timedelta(hours=1)
    assert check_pass(text, RING, now=now).pass_id == 7
    assert check_pass(text, RING, now=now, revocations=RevocationList([8])).pass_id == 7
    with pytest.raises(Revoked):
        check_pass(text, RING, now=now, revocations=RevocationList([7]))
    with pytest.raises(Expired):
        check_pass(text, RING, now=T0 + timedelta(hours=5), revocations=RevocationList([7]))
    with pytest.raises(NotYetValid):
        check_pass(text, RING, now=T0 - timedelta(hours=1))


def test_kinds_are_not_interchangeable() -> None:
    pass_text = encode_pass(a_pass(), KEY)
    invitation_text = encode_invitation(InvitationClaims(7, T0, T0 + timedelta(days=1)), KEY)
    with pytest.raises(WrongKind):
        decode_pass(invitation_text, RING)
    with pytest.raises(WrongKind):
        decode_invitation(pass_text, RING)
    assert isinstance(decode(pass_text, RING), PassClaims)
    assert isinstance(decode(invitation_text, RING), InvitationClaims)


def test_scanner_line_endings_are_forgiven_nothing_else() -> None:
    text = encode_pass(a_pass(), KEY)
    assert decode_pass(text + "\r\n", RING).pass_id == 7
    assert decode_pass("\t" + text + "\n", RING).pass_id == 7
    for bad in (text.lower(), text + "X", "X" + text, text[:-1], text + "\x00", text + " X"):
        with pytest.raises(BadFormat):
            decode_pass(bad, RING)


def test_output_has_no_space_and_fixed_length() -> None:
    text = encode_pass(a_pass(), KEY)
    assert " " not in text and len(text) == 122


def test_facility_bits_beyond_the_kiosks_table_are_ignored() -> None:
    newer = FacilityTable(["lobby", "gym", "pool", "chess_room", "service_centre", "tennis"])
    text = encode_pass(a_pass(facilities=frozenset({"gym", "tennis"})), KEY, newer)
    assert decode_pass(text, RING).facilities == {"gym"}
    assert decode_pass(text, RING, newer).facilities == {"gym", "tennis"}


def test_every_refusal_has_its_own_code() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, PassError)]
    codes = [c.code for c in classes]
    assert len(classes) == 10 and len(set(codes)) == len(codes)
