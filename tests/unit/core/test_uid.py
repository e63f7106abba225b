"""lobby_core.uid: the one card UID rule, for readers, the simulator, the CSV and central."""

from __future__ import annotations

import pytest

from lobby_core.uid import UidError, normalise_uid, uid_from_bytes


@pytest.mark.parametrize(
    ("text", "uid"),
    [
        ("04A1B2C3", "04A1B2C3"),  # ISO 14443 single size (4 bytes)
        ("04a1b2c3d4e5f6", "04A1B2C3D4E5F6"),  # double size (7)
        ("E0:04:01:50:12:34:56:78", "E004015012345678"),  # ISO 15693 / FeliCa IDm (8)
        ("04-A1-B2-C3-D4-E5-F6-07-08-09", "04A1B2C3D4E5F6070809"),  # triple (10)
        (" 04:a1-b2 c3 ", "04A1B2C3"),  # separators and case as spreadsheets and readers spell them
        ("04\tA1\u3000B2 C3", "04A1B2C3"),  # any whitespace, including the ideographic space
    ],
)
def test_good_uids(text: str, uid: str) -> None:
    assert normalise_uid(text) == uid


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "card UID is empty"),
        (":-", "card UID is empty"),
        ("04A1B2ZZ", "card UID must be hexadecimal (0-9, A-F)"),
        ("０４Ａ１Ｂ２Ｃ３", "card UID must be hexadecimal (0-9, A-F)"),  # full-width is not hex here
        ("04A1B2C", "card UID has an odd number of hex digits (7)"),
        ("04A1B2", "card UID has 6 hex digits (3 bytes); a card's UID is 4, 7, 8 or 10 bytes"),
        # The devices' old rule took any 4..10 bytes; the CSV's took only real card lengths.
        # The CSV's rule won: no card has 5, 6 or 9 bytes, so such a UID is a typo (a byte
        # dropped from a 7-byte UID) that would otherwise never match a tap.
        ("04A1B2C3D4", "card UID has 10 hex digits (5 bytes); a card's UID is 4, 7, 8 or 10 bytes"),
        ("04A1B2C3D4E5", "card UID has 12 hex digits (6 bytes); a card's UID is 4, 7, 8 or 10 bytes"),
        ("00" * 9, "card UID has 18 hex digits (9 bytes); a card's UID is 4, 7, 8 or 10 bytes"),
        ("00" * 11, "card UID has 22 hex digits (11 bytes); a card's UID is 4, 7, 8 or 10 bytes"),
        (0x04A1B2C3, "card UID must be text, not int"),
        (None, "card UID must be text, not NoneType"),
    ],
)
def test_bad_uids(text: object, reason: str) -> None:
    with pytest.raises(UidError) as caught:
        normalise_uid(text)
    assert str(caught.value) == reason
    assert isinstance(caught.value, ValueError)  # callers without lobby_core's types catch it


@pytest.mark.parametrize("n", range(0, 13))
def test_uid_from_bytes_takes_exactly_the_card_lengths(n: int) -> None:
    raw = bytes(range(0xA0, 0xA0 + n))
    if n in (4, 7, 8, 10):
        assert uid_from_bytes(raw) == raw.hex().upper() == normalise_uid(raw.hex())
    else:
        with pytest.raises(UidError, match=f"[(]{n} bytes[)]"):
            uid_from_bytes(raw)
