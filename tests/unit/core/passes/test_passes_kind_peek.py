"""kind_of: the kind a scanned code claims, for routing a scan only (never for trusting it)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lobby_core.passes import (
    KIND_INVITATION,
    KIND_PASS,
    InvitationClaims,
    encode_invitation,
    encode_pass,
    kind_of,
)

from .support import KEY, T0, a_pass

PASS_TEXT = encode_pass(a_pass(), KEY)
INVITATION_TEXT = encode_invitation(InvitationClaims(9, T0, T0.replace(day=3)), KEY)


def test_a_pass_and_an_invitation_are_told_apart() -> None:
    assert kind_of(PASS_TEXT) == KIND_PASS
    assert kind_of(INVITATION_TEXT) == KIND_INVITATION
    assert kind_of(INVITATION_TEXT + "\r\n") == KIND_INVITATION  # as a scanner ends its line


def test_what_is_not_one_of_ours_has_no_kind() -> None:
    for text in ("", "hello", "https://example.com/", INVITATION_TEXT[:-3], INVITATION_TEXT + "A",
                 None, 42, b"bytes"):
        assert kind_of(text) is None, text


@given(st.text(max_size=200))
def test_any_text_is_a_kind_or_none_and_never_raises(text: str) -> None:
    assert kind_of(text) in (None, KIND_PASS, KIND_INVITATION)
