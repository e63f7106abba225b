"""UID normalisation at the driver boundary: every tap and every sim command goes through it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.card.uid import normalize_atr, normalize_uid, uid_from_bytes
from devices.errors import DeviceProtocolError

# The lengths real cards have (lobby_core.uid.UID_BYTES).
uids = st.sampled_from([4, 7, 8, 10]).flatmap(lambda n: st.binary(min_size=n, max_size=n))


@given(uids, st.sampled_from(["", ":", " ", "-"]), st.booleans())
def test_any_spelling_of_a_uid_normalises_to_upper_hex(raw: bytes, sep: str, lower: bool) -> None:
    text = sep.join(f"{b:02x}" if lower else f"{b:02X}" for b in raw)
    assert normalize_uid(text) == raw.hex().upper() == uid_from_bytes(raw)


@given(st.text(max_size=30))
def test_hostile_text_is_either_a_uid_or_a_specific_error(text: str) -> None:
    try:
        uid = normalize_uid(text)
    except DeviceProtocolError as exc:
        assert str(exc).startswith("card UID ")
    else:
        assert uid == uid.upper() and len(uid) in (8, 14, 16, 20)
        int(uid, 16)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "card UID is empty"),
        (" : ", "card UID is empty"),
        ("04A1B2C", "odd number of hex digits"),
        # One rule with the members CSV now (lobby_core.uid): 4, 7, 8 or 10 bytes; it was 4..10.
        ("04A1B2", r"has 6 hex digits \(3 bytes\)"),
        ("00" * 11, r"has 22 hex digits \(11 bytes\)"),
        ("04A1B2C3D4", r"has 10 hex digits \(5 bytes\)"),
        ("04A1B2C3D4E5", r"has 12 hex digits \(6 bytes\)"),
        ("04A1B2C3D4E5F6A7B8", r"has 18 hex digits \(9 bytes\)"),
        ("04A1B2G3", "must be hexadecimal"),
        ("０４Ａ１Ｂ２Ｃ３", "must be hexadecimal"),  # full-width digits are not hex here
    ],
)
def test_bad_uids(text: str, message: str) -> None:
    with pytest.raises(DeviceProtocolError, match=message):
        normalize_uid(text)


def test_non_text_uid() -> None:
    with pytest.raises(DeviceProtocolError, match="must be text, not int"):
        normalize_uid(0x04A1B2C3)  # type: ignore[arg-type]


def test_uid_from_bytes_rejects_wrong_lengths() -> None:
    for wrong in (b"\x01\x02", b"\x01" * 5, b"\x01" * 11):
        with pytest.raises(DeviceProtocolError, match=f"[(]{len(wrong)} bytes[)]"):
            uid_from_bytes(wrong)


def test_atr() -> None:
    assert normalize_atr("3b:8f 80") == "3B8F80"
    assert normalize_atr("") == ""
    for bad in ("3B8", "XYZ0", "00" * 34):
        with pytest.raises(DeviceProtocolError, match="ATR"):
            normalize_atr(bad)
