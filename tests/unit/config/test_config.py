"""The kiosk config contract: defaults, validation, and errors that name file and key."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import config
from kiosk.config import ConfigError

PRODUCT_EXAMPLE = """
[kiosk]
name = "Clubhouse lobby"
data_dir = "/var/lib/lobby-kiosk"
facility = "gym"
language = "zh_CN"
[devices]
card_reader = "pcsc://"
relay = "modbus-rtu:///dev/ttyUSB0?unit=1&baudrate=9600"
printer = "escpos-serial:///dev/ttyS0?baudrate=19200"
qr_scanner = "serial:///dev/ttyACM0?baudrate=9600"
[gate]
relay_channel = 0
pulse_ms = 400
[central]
url = "http://127.0.0.1:8600"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_product_example_loads(tmp_path: Path) -> None:
    cfg = config.load(str(write(tmp_path, PRODUCT_EXAMPLE)))
    assert cfg.kiosk.name == "Clubhouse lobby"
    assert cfg.devices.relay.startswith("modbus-rtu://")
    assert cfg.gate.pulse_ms == 400
    assert cfg.kiosk.timezone == "Asia/Shanghai"
    assert cfg.access.anti_passback_s == 120
    assert cfg.lockers.grace_minutes == 60


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    cfg = config.load(str(write(tmp_path, "")))
    assert cfg.central.url == "http://127.0.0.1:8600"
    assert cfg.kiosk.language == "zh_CN"


@pytest.mark.parametrize(
    ("text", "must_mention"),
    [
        ("[kiosk]\ncolour = 'red'\n", ["[kiosk]", "colour"]),
        ("[gizmo]\nx = 1\n", ["[gizmo]"]),
        ("[gate]\npulse_ms = 'abc'\n", ["[gate]", "pulse_ms", "integer"]),
        ("[gate]\npulse_ms = 5\n", ["pulse_ms", "between"]),
        ("[gate]\npulse_ms = true\n", ["pulse_ms"]),
        ("[kiosk]\nlanguage = 'fr'\n", ["language", "zh_CN"]),
        ("[kiosk]\ntimezone = 'Mars/Olympus'\n", ["timezone", "Mars/Olympus"]),
        ("[devices]\nrelay = 'ftp://x'\n", ["relay", "ftp"]),
        ("[devices]\ncard_reader = 'modbus-rtu:///dev/x'\n", ["card_reader", "modbus-rtu"]),
        ("[devices]\nprinter = 'not a url'\n", ["printer"]),
        ("[central]\nurl = 'ftp://central'\n", ["url", "http"]),
        ("[central]\nurl = 'http://central.example:8600'\n", ["url", "https://", "in clear"]),
        ("[central]\nurl = 'http://192.0.2.10'\n", ["url", "https://"]),
        ("[central]\nurl = 'https://'\n", ["url"]),
        ("[lockers]\nchannels = [1, 1]\n", ["channels", "twice"]),
        ("[lockers]\nchannels = [1, 2]\nlabels = ['A1']\n", ["labels"]),
        ("[lockers]\nchannels = [0]\n", ["channel 0", "gate"]),
        ("kiosk = 3\n", ["[kiosk]", "table"]),
        ("[central]\nca_bundle = '/nonexistent/ca.pem'\n", ["ca_bundle", "no such file"]),
        ("[kiosk\nname='x'\n", ["not valid TOML"]),
        ("[visitors]\nwait_s = 60\n", ["[visitors]", "wait_s", "approval_wait_s"]),
        ("[visitors]\napproval_wait_s = 4\n", ["[visitors]", "approval_wait_s", "between"]),
        ("[visitors]\napproval_wait_s = 3601\n", ["approval_wait_s", "between"]),
        ("[visitors]\napproval_wait_s = 120.5\n", ["approval_wait_s", "integer"]),
        ("[visitors]\nretention_days = 0\n", ["[visitors]", "retention_days", "between"]),
        ("[visitors]\nretention_days = 3651\n", ["retention_days", "between"]),
        ("[visitors]\nretention_days = '30'\n", ["retention_days", "integer"]),
        ("[visitors]\nprivacy_notice_version = ''\n", ["privacy_notice_version", "empty"]),
        ("[visitors]\nprivacy_notice_version = 'v 2'\n", ["privacy_notice_version", "letters"]),
        ("[visitors]\nprivacy_notice_version = '" + "9" * 33 + "'\n", ["privacy_notice_version"]),
        ("[visitors]\nprivacy_notice_version = 2\n", ["privacy_notice_version", "string"]),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, must_mention: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        config.load(str(path))
    message = str(info.value)
    assert str(path) in message
    for needle in must_mention:
        assert needle in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        config.load(str(tmp_path / "absent.toml"))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_bytes(b"[kiosk]\nname = '\xff\xfe'\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        config.load(str(path))


def test_env_var_picks_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[kiosk]\nname = 'From env'\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert config.load(None).kiosk.name == "From env"


def test_cli_path_beats_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "nope.toml"))
    path = write(tmp_path, "[kiosk]\nname = 'From CLI'\n")
    assert config.load(str(path)).kiosk.name == "From CLI"


def test_default_path_when_nothing_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert config.resolve_path(None) == Path("/etc/lobby-kiosk/kiosk.toml")


KEYS = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12)
VALUES = st.one_of(
    st.integers(), st.booleans(), st.text(max_size=20), st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(section=st.sampled_from(["kiosk", "devices", "gate", "access", "lockers", "central", "log"]),
       data=st.dictionaries(KEYS, VALUES, max_size=4))
def test_any_table_either_loads_or_raises_config_error(section: str, data: dict) -> None:
    try:
        cfg = config.from_dict({section: data}, "fuzz.toml")
    except ConfigError as exc:
        assert "fuzz.toml" in str(exc)
    else:
        assert isinstance(cfg, config.Config)


def test_reference_lists_every_key() -> None:
    ref = config.describe()
    for key in ("relay_channel", "pulse_ms", "card_reader", "anti_passback_s", "grace_minutes"):
        assert key in ref


def _readme_example() -> str:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Configuration")
    block = readme[readme.index("```toml", start) + len("```toml"):]
    return block[: block.index("```")]


def test_readme_example_is_a_valid_config_naming_every_key(tmp_path: Path) -> None:
    example = _readme_example()
    cfg = config.load(str(write(tmp_path, example)))  # the documented file really loads
    assert cfg.access.capacity == 40
    for line in config.describe().splitlines():
        key = line.strip().split(" = ")[0]
        assert key.strip("[]") in example, f"README's config example does not show {key}"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8600", "http://localhost:8600", "http://[::1]:8600",
                                 "https://central.example", "https://192.0.2.10:8443/"])
def test_central_urls_accepted(url: str) -> None:
    assert config.from_dict({"central": {"url": url}}).central.url == url.rstrip("/")


def test_id_reader_defaults_to_none() -> None:
    assert config.from_dict({}).devices.id_reader == "none"


@pytest.mark.parametrize("url", ["idcard-serial:///dev/ttyUSB1?baudrate=115200", "idcard-serial:///dev/ttyUSB1",
                                 "sim://", "sim://?name=desk&fail=timeout", "none"])
def test_id_reader_accepted(url: str) -> None:
    assert config.from_dict({"devices": {"id_reader": url}}).devices.id_reader == url


@pytest.mark.parametrize(
    ("value", "must_mention"),
    [
        ("serial:///dev/ttyUSB1", ["id_reader", "serial", "idcard-serial"]),
        ("pcsc://", ["id_reader", "pcsc"]),
        ("/dev/ttyUSB1", ["id_reader", "not a device URL"]),
        ("", ["id_reader", "empty"]),
        (115200, ["id_reader", "string"]),
        ("idcard-serial:///dev/ttyUSB1?baudrate=fast", ["id_reader", "baudrate"]),
        ("idcard-serial:///dev/ttyUSB1?baudrate=115201", ["id_reader", "not a standard rate"]),
        ("idcard-serial://dev/ttyUSB1", ["id_reader", "three slashes"]),
        ("idcard-serial:///dev/ttyUSB1?parity=E", ["id_reader", "parity"]),
        ("sim://?fail=explode", ["id_reader", "not a sim ID reader fault"]),
    ],
)
def test_bad_id_reader_is_refused_naming_the_key(tmp_path: Path, value: object,
                                                 must_mention: list[str]) -> None:
    toml_value = f'"{value}"' if isinstance(value, str) else str(value)
    path = write(tmp_path, f"[devices]\nid_reader = {toml_value}\n")
    with pytest.raises(ConfigError) as info:
        config.load(str(path))
    message = str(info.value)
    assert str(path) in message and "[devices]" in message
    for needle in must_mention:
        assert needle in message


def test_visitors_defaults_and_bounds() -> None:
    v = config.from_dict({}).visitors
    assert (v.approval_wait_s, v.retention_days, v.privacy_notice_version) == (120, 30, "1")
    edge = config.from_dict({"visitors": {"approval_wait_s": 5, "retention_days": 3650,
                                          "privacy_notice_version": "2026-06_v1." + "x" * 21}})
    assert (edge.visitors.approval_wait_s, edge.visitors.retention_days) == (5, 3650)
    top = config.from_dict({"visitors": {"approval_wait_s": 3600, "retention_days": 1}}).visitors
    assert (top.approval_wait_s, top.retention_days) == (3600, 1)
