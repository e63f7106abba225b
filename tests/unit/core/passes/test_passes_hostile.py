"""Decoding is a hostile boundary: garbage and every single-bit flip give a specific PassError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.passes import (
    BadFormat,
    BadSignature,
    InvitationClaims,
    PassError,
    UnknownKey,
    base44,
    decode,
    decode_invitation,
    decode_pass,
    encode_invitation,
    encode_pass,
)
from lobby_core.passes.codec import CONTEXT, KIND_PASS

from .support import KEY, RING, T0, a_pass, invitation_claims, pass_claims, signing_key

PASS_TEXT = encode_pass(a_pass(), KEY)
INVITATION_TEXT = encode_invitation(InvitationClaims(9, T0, T0.replace(day=3)), KEY)
DECODERS = [decode, decode_pass, decode_invitation]


def _refused(text: Any) -> PassError:
    try:
        decode(text, RING)
    except PassError as exc:
        return exc
    raise AssertionError(f"accepted {text!r}")


@given(st.text())
def test_any_text_is_refused_with_a_pass_error(text: str) -> None:
    for decoder in DECODERS:
        with pytest.raises(PassError):
            decoder(text, RING)


@given(st.text(alphabet=base44.ALPHABET + " \r\n", min_size=100, max_size=130))
def test_any_text_in_the_alphabet_is_refused(text: str) -> None:
    _refused(text)


@given(st.binary(min_size=1, max_size=base44.MAX_BYTES))
def test_any_well_encoded_bytes_are_refused(data: bytes) -> None:
    _refused(base44.encode(data))


@given(st.integers(0, 255), st.binary(min_size=17, max_size=17), st.binary(min_size=64, max_size=64))
def test_a_well_formed_pass_with_a_made_up_signature_is_refused(
    key_id: int, body: bytes, signature: bytes
) -> None:
    error = _refused(base44.encode(bytes((KIND_PASS, key_id)) + body + signature))
    assert isinstance(error, UnknownKey if key_id != KEY.key_id else BadSignature)


@pytest.mark.parametrize("value", [None, 7, b"03AJB5", ["x"], 1.5, object()])
def test_non_text_is_bad_format(value: object) -> None:
    for decoder in DECODERS:
        with pytest.raises(BadFormat):
            decoder(value, RING)


def _expected_for_byte_flip(index: int) -> type[PassError]:
    if index == 0:
        return BadFormat  # another kind byte: unknown, or a kind of another length
    if index == 1:
        return UnknownKey  # RING holds one key
    return BadSignature  # body or signature


@pytest.mark.parametrize("text", [PASS_TEXT, INVITATION_TEXT], ids=["pass", "invitation"])
def test_every_single_bit_flip_of_the_bytes_is_refused(text: str) -> None:
    data = base44.decode(text)
    for bit in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        error = _refused(base44.encode(bytes(flipped)))
        assert isinstance(error, _expected_for_byte_flip(bit // 8)), (bit, error)


@pytest.mark.parametrize("text", [PASS_TEXT, INVITATION_TEXT], ids=["pass", "invitation"])
def test_every_single_bit_flip_of_the_text_is_refused(text: str) -> None:
    # What a scanner misread looks like: one character's code point off by one bit.
    for index, char in enumerate(text):
        for bit in range(8):
            flipped = text[:index] + chr(ord(char) ^ (1 << bit)) + text[index + 1:]
            _refused(flipped)


@given(pass_claims() | invitation_claims(), st.data())
def test_a_random_bit_flip_of_any_code_is_refused(claims: Any, data: st.DataObject) -> None:
    text = encode_pass(claims, KEY) if hasattr(claims, "pass_id") else encode_invitation(claims, KEY)
    raw = bytearray(base44.decode(text))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    assert isinstance(_refused(base44.encode(bytes(raw))), _expected_for_byte_flip(bit // 8))


def test_another_key_with_the_same_id_is_a_bad_signature() -> None:
    impostor = next(k for k in map(signing_key, range(2, 10_000)) if k.key_id == KEY.key_id)
    assert impostor.public_key != KEY.public_key
    assert isinstance(_refused(encode_pass(a_pass(), impostor)), BadSignature)


def test_signature_without_the_context_prefix_is_refused() -> None:
    signed = base44.decode(PASS_TEXT)[:-64]
    assert CONTEXT  # domain separation exists, so a bare signature must not verify
    assert isinstance(_refused(base44.encode(signed + KEY.sign(signed))), BadSignature)


def test_long_hostile_input_is_refused_quickly() -> None:
    # Length is checked before any big-integer work.
    _refused("9" * 5_000_000)
