"""The revocation list and the facility table: the small published lists a kiosk trusts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.passes import (
    DEFAULT_FACILITIES,
    BadTrustData,
    FacilityTable,
    InvalidClaims,
    InvitationClaims,
    RevocationList,
    Revoked,
    check_invitation,
    encode_invitation,
)

from .support import KEY, RING, T0, a_pass

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def test_pass_and_invitation_ids_are_separate() -> None:
    revoked = RevocationList(pass_ids=[7], invitation_ids=[9])
    invitation_7 = InvitationClaims(7, T0, T0 + timedelta(days=1))
    with pytest.raises(Revoked):
        revoked.check(a_pass(pass_id=7))
    revoked.check(a_pass(pass_id=9))
    revoked.check(invitation_7)
    with pytest.raises(Revoked):
        revoked.check(InvitationClaims(9, T0, T0 + timedelta(days=1)))
    assert revoked.is_revoked(a_pass()) and not RevocationList().is_revoked(a_pass())
    with pytest.raises(TypeError):
        revoked.check("7")  # type: ignore[arg-type]


def test_check_invitation_with_revocations() -> None:
    text = encode_invitation(InvitationClaims(9, T0, T0 + timedelta(days=1)), KEY)
    now = T0 + timedelta(hours=1)
    assert check_invitation(text, RING, now=now, revocations=RevocationList([9])).invitation_id == 9
    with pytest.raises(Revoked):
        check_invitation(text, RING, now=now, revocations=RevocationList(invitation_ids=[9]))


def test_revocation_list_round_trip() -> None:
    revoked = RevocationList([3, 1, 2], [5])
    assert revoked.to_dict() == {"pass_ids": [1, 2, 3], "invitation_ids": [5]}
    assert RevocationList.from_dict(revoked.to_dict()) == revoked
    assert RevocationList.from_dict({}) == RevocationList()
    assert len(revoked) == 4


@pytest.mark.parametrize(
    "data",
    [[], {"pass_ids": {}}, {"pass_ids": [1, "2"]}, {"pass_ids": [True]}, {"pass_ids": [-1]},
     {"invitation_ids": [2**32]}, {"invitation_ids": None}],
)
def test_spoiled_revocation_list_is_refused(data: Any) -> None:
    with pytest.raises(BadTrustData):
        RevocationList.from_dict(data)


@given(json_values)
def test_any_json_gives_a_list_or_bad_trust_data(value: Any) -> None:
    try:
        revoked = RevocationList.from_dict(value)
    except BadTrustData:
        return
    assert all(isinstance(i, int) for i in revoked.pass_ids | revoked.invitation_ids)


@given(st.frozensets(st.sampled_from(DEFAULT_FACILITIES.names)))
def test_facility_mask_round_trip(names: frozenset[str]) -> None:
    mask = DEFAULT_FACILITIES.mask(names)
    assert 0 <= mask < 2**16 and DEFAULT_FACILITIES.decode(mask) == names


def test_facility_bits_are_stable() -> None:
    # Printed passes depend on these: changing them is a new table, not an edit.
    assert DEFAULT_FACILITIES.mask(["lobby"]) == 1
    assert DEFAULT_FACILITIES.mask(["gym", "pool"]) == 0b110
    assert DEFAULT_FACILITIES.names == ("lobby", "gym", "pool", "chess_room", "service_centre")


@pytest.mark.parametrize(
    "names",
    [[f"f{i}" for i in range(17)], ["gym", "gym"], ["Gym"], ["gym|pool"], [""], [7], ["x" * 33]],
)
def test_bad_facility_tables(names: list[Any]) -> None:
    with pytest.raises(ValueError):
        FacilityTable(names)
    with pytest.raises(BadTrustData):
        FacilityTable.from_list(names)


def test_facility_table_publishing() -> None:
    assert FacilityTable.from_list(DEFAULT_FACILITIES.to_list()) == DEFAULT_FACILITIES
    with pytest.raises(BadTrustData):
        FacilityTable.from_list({"gym": 1})
    with pytest.raises(InvalidClaims):
        DEFAULT_FACILITIES.mask(["tennis"])


@given(json_values)
def test_any_json_gives_a_table_or_bad_trust_data(value: Any) -> None:
    try:
        FacilityTable.from_list(value)
    except BadTrustData:
        pass
