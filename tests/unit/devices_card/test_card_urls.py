"""pcsc:// and sim:// URL validation: bad configuration stops start-up with a clear error."""

from __future__ import annotations

import pytest

import devices
from devices.card.pcsc import PcscCardReader
from devices.card.sim import SimCardReader


def test_pcsc_defaults_to_first_reader() -> None:
    reader = devices.open_card_reader("pcsc://")
    assert isinstance(reader, PcscCardReader) and reader.reader_prefix is None


def test_pcsc_reader_name_is_url_decoded() -> None:
    reader = devices.open_card_reader("pcsc://?reader=ACS%20ACR122U")
    assert isinstance(reader, PcscCardReader) and reader.reader_prefix == "ACS ACR122U"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("pcsc://?rdr=x", r"unknown parameter\(s\) rdr; allowed: reader"),
        ("pcsc://?reader=", "parameter reader= is empty"),
        ("pcsc://?reader=%20%20", "parameter reader= is empty"),
        ("pcsc://?reader=a%0Ab", "must be printable text"),
        ("pcsc://?reader=" + "x" * 129, "must be printable text of at most 128"),
        ("pcsc://?reader=a&reader=b", "given twice"),
        ("pcsc://localhost", "takes no host or path"),
        ("pcsc:///dev/acr", "takes no host or path"),
    ],
)
def test_pcsc_bad_urls(url: str, message: str) -> None:
    with pytest.raises(devices.DeviceConfigError, match=message):
        devices.open_card_reader(url)


def test_sim_defaults() -> None:
    reader = devices.open_card_reader("sim://")
    assert isinstance(reader, SimCardReader)
    assert (reader.name, reader.reader_name, reader.unplug_after, reader.control_path) == (
        "default", "Simulated reader", None, None)


def test_sim_all_parameters() -> None:
    reader = devices.open_card_reader(
        "sim://?name=gate&reader=Gate%20reader&fail=unplug_after:3&control=/run/k/card.sock")
    assert isinstance(reader, SimCardReader)
    assert (reader.name, reader.reader_name, reader.unplug_after, reader.control_path) == (
        "gate", "Gate reader", 3, "/run/k/card.sock")


def test_sim_fail_absent_is_device_not_found() -> None:
    with pytest.raises(devices.DeviceNotFound, match="no card reader connected"):
        devices.open_card_reader("sim://?fail=absent")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sim://?fail=explode", "fail='explode' is not a card reader fault; use one of absent, unplug"),
        ("sim://?fail=unplug_after", "fail='unplug_after' is not a card reader fault"),
        ("sim://?fail=unplug_after:x", "fail='unplug_after:x' is not a card reader fault"),
        ("sim://?fail=unplug_after:-1", "fail='unplug_after:-1' is not"),
        ("sim://?fail=unplug_after:1000001", "fail='unplug_after:1000001' is not"),
        ("sim://?name=", "name= must be printable text of 1..64"),
        ("sim://?name=a%00b", "name= must be printable"),
        ("sim://?reader=" + "r" * 65, "reader= must be printable text of 1..64"),
        ("sim://?control=card.sock", "must be absolute"),
        ("sim://?control=", "control socket path is empty"),
        ("sim://?control=/" + "d" * 120, "longer than 107 bytes"),
        ("sim://?colour=red", r"unknown parameter\(s\) colour"),
        ("sim://gate", "takes no host or path"),
    ],
)
def test_sim_bad_urls(url: str, message: str) -> None:
    with pytest.raises(devices.DeviceConfigError, match=message):
        devices.open_card_reader(url)
