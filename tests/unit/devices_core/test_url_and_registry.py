"""Device URLs parse strictly, and the scheme picks the driver module."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import devices
from devices.url import parse


def test_parse_modbus_url() -> None:
    u = parse("modbus-rtu:///dev/ttyUSB0?unit=1&baudrate=9600")
    assert (u.scheme, u.path, u.host) == ("modbus-rtu", "/dev/ttyUSB0", "")
    assert u.get_int("unit", 0) == 1
    assert u.get_int("baudrate", 0) == 9600


def test_parse_net_url() -> None:
    u = parse("escpos-net://192.0.2.7:9100")
    assert (u.host, u.port) == ("192.0.2.7", 9100)


def test_parse_reader_name_is_unquoted() -> None:
    assert parse("pcsc://?reader=ACS%20ACR122U").get_str("reader") == "ACS ACR122U"


def test_none() -> None:
    assert parse("none").scheme == "none"


@pytest.mark.parametrize("bad", ["", "   ", "/dev/ttyUSB0", "pcsc:"])
def test_not_a_url(bad: str) -> None:
    with pytest.raises(devices.DeviceConfigError):
        parse(bad)


def test_repeated_parameter_rejected() -> None:
    with pytest.raises(devices.DeviceConfigError, match="twice"):
        parse("sim://?name=a&name=b")


def test_bad_int_parameter_names_it() -> None:
    with pytest.raises(devices.DeviceConfigError, match="baudrate"):
        parse("lcus:///dev/x?baudrate=fast").get_int("baudrate", 9600)


def test_out_of_range_parameter() -> None:
    with pytest.raises(devices.DeviceConfigError, match="unit"):
        parse("modbus-rtu:///dev/x?unit=999").get_int("unit", 1, lo=1, hi=247)


def test_bad_bool_parameter() -> None:
    with pytest.raises(devices.DeviceConfigError, match="flash"):
        parse("modbus-rtu:///dev/x?flash=maybe").get_bool("flash", False)


def test_unknown_parameters_listed() -> None:
    with pytest.raises(devices.DeviceConfigError, match="colour"):
        parse("sim://?colour=red").check_params({"name"})


@pytest.mark.parametrize(
    ("opener", "url"),
    [
        (devices.open_card_reader, "ftp://x"),
        (devices.open_relay, "pcsc://"),
        (devices.open_printer, "serial:///dev/ttyS0"),
        (devices.open_scanner, "escpos-net://h:9100"),
    ],
)
def test_unknown_scheme_for_kind(opener, url: str) -> None:
    with pytest.raises(devices.DeviceConfigError, match="unknown"):
        opener(url)


def test_every_product_scheme_is_registered() -> None:
    assert {"pcsc", "sim"} <= set(devices.schemes("card_reader"))
    assert {"modbus-rtu", "lcus", "sim"} <= set(devices.schemes("relay"))
    assert {"escpos-serial", "escpos-usb", "escpos-net", "escpos-file", "sim", "none"} <= set(
        devices.schemes("printer"))
    assert {"serial", "sim", "none"} <= set(devices.schemes("scanner"))


@given(st.text(max_size=80))
def test_parse_never_raises_anything_but_device_config_error(text: str) -> None:
    try:
        parse(text)
    except devices.DeviceConfigError:
        pass


def test_health_str() -> None:
    assert str(devices.Health.down("no reader")) == "down: no reader"
    assert devices.Health.ok().is_ok


@pytest.mark.parametrize("bad", ["escpos-net://[::1:9100", "escpos-net://host:99999", "sim://h:x"])
def test_malformed_authority(bad: str) -> None:
    with pytest.raises(devices.DeviceConfigError):
        parse(bad)


@pytest.mark.parametrize("vidpid", ["04b8:0202", "04b8:0e15", "0fe6:811e"])
def test_usb_ids_are_not_a_port(vidpid: str) -> None:
    u = parse(f"escpos-usb://{vidpid}")
    assert (u.netloc, u.port) == (vidpid, None)


def test_printer_errors_are_device_errors_exported_at_the_top() -> None:
    assert issubclass(devices.PaperOut, devices.DeviceError)
    assert issubclass(devices.SlipError, ValueError)


@pytest.mark.parametrize(
    ("spec", "kind", "after"),
    [(None, None, 0), ("", None, 0), ("absent", "absent", 0), ("unplug_after:0", "unplug_after", 0),
     ("unplug_after:1000000", "unplug_after", 1_000_000)],
)
def test_sim_fault_parse(spec: str | None, kind: str | None, after: int) -> None:
    from devices.sim_faults import Fault
    fault = Fault.parse(spec, "sim://", ("absent",), "relay")
    assert (fault.kind, fault.after) == (kind, after)


@pytest.mark.parametrize("spec", ["explode", "timeout", "unplug_after", "unplug_after:-1",
                                  "unplug_after:1e3", "unplug_after:1000001", "unplug_after: 3"])
def test_sim_fault_rejects(spec: str) -> None:
    from devices.sim_faults import Fault
    with pytest.raises(devices.DeviceConfigError, match="not a relay fault"):
        Fault.parse(spec, "sim://", ("absent",), "relay")


def test_id_reader_schemes_are_registered() -> None:
    assert set(devices.schemes("id_reader")) == {"idcard-serial", "sim", "none"}


@pytest.mark.parametrize("url", ["pcsc://", "serial:///dev/ttyUSB1", "modbus-rtu:///dev/x"])
def test_unknown_id_reader_scheme(url: str) -> None:
    with pytest.raises(devices.DeviceConfigError, match="unknown id reader scheme"):
        devices.open_id_reader(url)
