"""$CENTRAL_VISITOR_FACILITIES: which facilities a visitor's pass opens."""

from __future__ import annotations

import pytest

from central.settings import SettingsError, resolve


def test_the_lobby_unless_the_site_says_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CENTRAL_VISITOR_FACILITIES", raising=False)
    assert resolve(data_dir="/nowhere").visitor_facilities == ("lobby",)
    monkeypatch.setenv("CENTRAL_VISITOR_FACILITIES", " Lobby | gym|lobby ")
    assert resolve(data_dir="/nowhere").visitor_facilities == ("lobby", "gym")


@pytest.mark.parametrize("raw, says", [
    ("lobby|sauna", "'sauna' is not a facility a pass can name"),
    ("lobby||gym", "'' must be"),
    ("gym;pool", "'gym;pool' must be"),
    ("x" * 300, "must be 1-32"),
])
def test_a_facility_no_pass_can_name_stops_start_up(monkeypatch: pytest.MonkeyPatch, raw: str,
                                                     says: str) -> None:
    monkeypatch.setenv("CENTRAL_VISITOR_FACILITIES", raw)
    with pytest.raises(SettingsError, match="CENTRAL_VISITOR_FACILITIES") as exc:
        resolve(data_dir="/nowhere")
    assert says in str(exc.value)
