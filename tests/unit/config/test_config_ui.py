"""The [ui] section: defaults as PRODUCT.md fixes them, and every bad value refused by name."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk import config
from kiosk.config import ConfigError


def test_defaults() -> None:
    ui = config.from_dict({}).ui
    assert (ui.fullscreen, ui.size, ui.rotation, ui.idle_form_s, ui.idle_result_s) == \
        (True, "1280x800", 0, 30, 5)


def test_a_full_section_loads() -> None:
    ui = config.from_dict({"ui": {"fullscreen": False, "size": "1080X1920", "rotation": 90,
                                  "idle_form_s": 45, "idle_result_s": 8}}).ui
    assert (ui.fullscreen, ui.size, ui.rotation, ui.idle_form_s, ui.idle_result_s) == \
        (False, "1080x1920", 90, 45, 8)


@pytest.mark.parametrize(("key", "value", "says"), [
    ("fullscreen", "yes", "true or false"),
    ("size", "1280*800", "WIDTHxHEIGHT"),
    ("size", "x800", "WIDTHxHEIGHT"),
    ("size", "1280x", "WIDTHxHEIGHT"),
    ("size", "١٢٨٠x800", "WIDTHxHEIGHT"),  # Arabic-Indic digits are digits to str.isdigit
    ("size", "100x800", "between 240 and 7680"),
    ("size", "1280x99999", "between 240 and 7680"),
    ("size", 1280, "must be a string"),
    ("rotation", 45, "0, 90, 180 or 270"),
    ("rotation", True, "0, 90, 180 or 270"),
    ("rotation", "90", "0, 90, 180 or 270"),
    ("idle_form_s", 4, "between 5 and 600"),
    ("idle_form_s", 601, "between 5 and 600"),
    ("idle_result_s", 0, "between 1 and 120"),
    ("idle_result_s", 2.5, "integer"),
    ("idle_result_s", False, "integer"),
    ("colour", "red", "unknown key 'colour'"),
])
def test_bad_values_are_refused_naming_the_key(key: str, value: Any, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.from_dict({"ui": {key: value}}, "kiosk.toml")
    assert "kiosk.toml: [ui]" in str(err.value) and says in str(err.value)
    if key != "colour":
        assert f"{key}:" in str(err.value)


def test_ui_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"\[ui\]: must be a table"):
        config.from_dict({"ui": "fullscreen"})
