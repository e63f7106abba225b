"""lobby_core.facilities: the one facility code rule, and the places that must use it."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from central.schemas import Slug
from lobby_core.facilities import facility_code, is_facility_code
from lobby_core.members_csv import COLUMNS, parse_csv
from lobby_core.passes import FacilityTable

GOOD = ["gym", "pool", "chess_room", "service-centre", "24h", "a", "0", "x" * 32]
BAD = ["", "Gym", " gym", "gym ", "swimming pool", "gym|pool", "_gym", "-gym", "x" * 33, "gym\n",
       "gym.", "gÿm", "健身房"]


@pytest.mark.parametrize(("text", "code"), [
    ("gym", "gym"), (" Gym ", "gym"), ("POOL", "pool"), ("\tchess_room\n", "chess_room"),
    ("24H", "24h"),
])  # fmt: skip
def test_facility_code_trims_and_folds_case(text: str, code: str) -> None:
    assert facility_code(text) == code


@pytest.mark.parametrize("text", ["", "   ", "swimming pool", "gym|pool", "_gym", "x" * 33, "健身房"])
def test_facility_code_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="lower-case letters, digits"):
        facility_code(text)


@pytest.mark.parametrize("value", GOOD)
def test_every_user_takes_a_good_code(value: str) -> None:
    assert is_facility_code(value)
    assert FacilityTable([value]).names == (value,)
    assert TypeAdapter(Slug).validate_python(value) == value
    header = ",".join(COLUMNS).encode()
    row = f"M1,Name,04A1B2C3,{value},2020-01-01,2099-12-31,active,".encode()
    assert parse_csv(header + b"\n" + row).members[0].facilities == (value,)


@pytest.mark.parametrize("value", [*BAD, None, 7])
def test_no_user_takes_a_bad_code(value: object) -> None:
    assert not is_facility_code(value)
    with pytest.raises(ValueError):
        FacilityTable([value])  # type: ignore[list-item]
    if isinstance(value, str) and not is_facility_code(value.strip()):
        # The API trims what it is sent (every Text field does) but never folds case.
        with pytest.raises(ValidationError):
            TypeAdapter(Slug).validate_python(value)
