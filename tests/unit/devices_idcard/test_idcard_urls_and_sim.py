"""ID reader URLs, the `none` reader and the sim's cards, faults and commands (in-process)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

import devices
from devices import simhub
from devices.idcard.serial_reader import SerialIdReader
from devices.idcard.sim import SimIdReader, make_card
from tests.fixtures.idcard import Cards
from tests.fixtures.scanner import wait_until

NUMBER = "11010519491231002X"


def test_serial_url() -> None:
    r = devices.open_id_reader("idcard-serial:///dev/ttyUSB1?baudrate=9600&poll=0.5&timeout=0.2&read_timeout=2")
    assert isinstance(r, SerialIdReader)
    assert (r.path, r.baudrate, r.poll, r.timeout, r.read_timeout) == ("/dev/ttyUSB1", 9600, 0.5, 0.2, 2.0)
    assert str(r.health()) == "down: not started"


def test_serial_defaults() -> None:
    r = devices.open_id_reader("idcard-serial:///dev/ttyUSB1")
    assert isinstance(r, SerialIdReader)
    assert (r.baudrate, r.poll, r.timeout, r.read_timeout) == (115200, 0.3, 0.5, 3.0)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("idcard-serial://", "no serial port"),
        ("idcard-serial://dev/ttyUSB1", "three slashes"),
        ("idcard-serial:///dev/tty\x00S0", "NUL byte"),
        ("idcard-serial:///dev/ttyUSB1?baudrate=115201", "not a standard rate"),
        ("idcard-serial:///dev/ttyUSB1?poll=0", "below"),
        ("idcard-serial:///dev/ttyUSB1?timeout=soon", "not a number"),
        ("idcard-serial:///dev/ttyUSB1?read_timeout=0.01", "below"),
        ("idcard-serial:///dev/ttyUSB1?parity=E", "unknown parameter"),
        ("sim://?fail=unplug", "not a sim ID reader fault"),
        ("sim://?fail=unplug_after:-1", "not a sim ID reader fault"),
        ("sim://?name=", "name= must be printable"),
        ("sim://host", "no host or path"),
        ("sim://?control=relative.sock", "must be absolute"),
        ("sim://?volume=11", "unknown parameter"),
        ("pcsc://", "unknown id reader scheme"),
    ],
)
def test_bad_id_reader_urls(url: str, message: str) -> None:
    with pytest.raises(devices.DeviceConfigError, match=message):
        devices.open_id_reader(url)


def test_none_reader() -> None:
    r = devices.open_id_reader("none")
    r.start(lambda card: None)
    assert str(r.health()) == "down: not configured"
    r.stop()
    r.close()


def test_sim_delivers_a_presented_card_on_its_own_thread() -> None:
    r = devices.open_id_reader("sim://?name=unit")
    threads: list[str] = []
    got = Cards()

    def on_card(card: devices.IdCard) -> None:
        threads.append(threading.current_thread().name)
        got(card)

    r.start(on_card)
    try:
        assert simhub.get("id_reader", "unit") is r
        before = datetime.now(UTC)
        assert r.present(NUMBER, "张小明", valid_until=date(2035, 12, 31))  # type: ignore[attr-defined]
        wait_until(lambda: got.numbers() == [NUMBER])
        card = got.got[0]
        assert (card.id_type, card.name, card.birth_date, card.valid_until) == (
            devices.IdType.RESIDENT, "张小明", date(1949, 12, 31), date(2035, 12, 31))
        assert before <= card.read_at <= datetime.now(UTC)
        assert threads == ["sim-id-reader:unit"]
    finally:
        r.stop()
    with pytest.raises(LookupError):
        simhub.get("id_reader", "unit")


def test_sim_card_stays_until_removed() -> None:
    r = devices.open_id_reader("sim://?name=stay")
    assert isinstance(r, SimIdReader)
    r.start(lambda card: None)
    try:
        assert r.insert(NUMBER, "张小明")
        with pytest.raises(devices.DeviceError, match="already on the reader"):
            r.insert(NUMBER, "张小明")
        r.remove()
        assert r.insert(NUMBER, "张小明")
        assert r.reads == 2
    finally:
        r.stop()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"number": "1234", "name": "张三"}, "birth="),
        ({"number": "1234", "name": "张三", "birth": date(1990, 1, 1)}, "ID number"),
        ({"number": NUMBER, "name": ""}, "name field is empty"),
        ({"number": NUMBER, "name": "张" * 16}, "longer than the card's 15 characters"),
        ({"number": NUMBER, "name": "张三", "id_type": "passport"}, "unknown ID type"),
        ({"number": "USA110076061101", "name": "JOHN", "id_type": "foreign_permanent_2017"}, "birth="),
    ],
)
def test_sim_refuses_cards_a_real_reader_would_not_give(kwargs: dict, message: str) -> None:
    with pytest.raises(devices.DeviceError, match=message):
        make_card(**kwargs)


def test_sim_makes_every_type() -> None:
    cards = [
        make_card(NUMBER, "张小明"),
        make_card("810000199408230021", "陈大文", id_type=devices.IdType.HMT_RESIDENCE_PERMIT),
        make_card("USA110076061101", "SMITH, JOHN", id_type="foreign_permanent_2017",
                  birth=date(1976, 6, 11)),
        make_card("933156199002140021", "ANNA MÜLLER", id_type="foreign_permanent_2023",
                  valid_until=date(2033, 11, 30)),
    ]
    assert [(c.id_type.value, c.name, c.birth_date) for c in cards] == [
        ("cn_ric", "张小明", date(1949, 12, 31)),
        ("hmt_residence_permit", "陈大文", date(1994, 8, 23)),
        ("foreign_permanent_2017", "SMITH, JOHN", date(1976, 6, 11)),
        ("foreign_permanent_2023", "ANNA MÜLLER", date(1990, 2, 14)),
    ]


def test_sim_absent_ignores_cards() -> None:
    r = devices.open_id_reader("sim://?name=gone&fail=absent")
    assert isinstance(r, SimIdReader)
    got = Cards()
    r.start(got)
    try:
        assert r.health().state is devices.State.DOWN
        assert "not found" in r.health().reason
        assert not r.present(NUMBER, "张小明")
    finally:
        r.stop()
    assert got.got == []


def test_sim_timeout_is_a_silent_module_until_it_answers_again() -> None:
    r = devices.open_id_reader("sim://?name=mute&fail=timeout")
    assert isinstance(r, SimIdReader)
    got = Cards()
    r.start(got)
    try:
        assert str(r.health()) == "down: ID card module not answering"
        assert not r.present(NUMBER, "张小明")
        r.set_silent(False)
        assert r.health().is_ok
        assert r.present(NUMBER, "张小明")
        wait_until(lambda: got.numbers() == [NUMBER])
    finally:
        r.stop()


def test_sim_unplug_after_n_reads() -> None:
    r = devices.open_id_reader("sim://?name=flaky&fail=unplug_after:2")
    assert isinstance(r, SimIdReader)
    got = Cards()
    r.start(got)
    try:
        assert r.present(NUMBER, "张小明")
        assert r.health().is_ok
        assert r.present("440524188001010014", "欧阳娜娜")
        assert str(r.health()) == "down: ID reader unplugged"
        assert not r.present(NUMBER, "张小明")
        r.replug()
        assert r.present(NUMBER, "张小明")  # the fault fires once
        wait_until(lambda: len(got.numbers()) == 3)
        assert r.health().is_ok
    finally:
        r.stop()


def test_sim_unplug_after_zero_starts_unplugged() -> None:
    r = devices.open_id_reader("sim://?name=z&fail=unplug_after:0")
    r.start(lambda card: None)
    try:
        assert str(r.health()) == "down: ID reader unplugged"
    finally:
        r.stop()


def test_two_sims_with_one_name_are_refused() -> None:
    first = devices.open_id_reader("sim://?name=twin")
    second = devices.open_id_reader("sim://?name=twin")
    first.start(lambda card: None)
    try:
        with pytest.raises(devices.DeviceConfigError, match="already running"):
            second.start(lambda card: None)
    finally:
        first.stop()


@pytest.mark.parametrize(
    ("line", "reply", "numbers"),
    [
        (f"card number={NUMBER} name=张小明", "ok", [NUMBER]),
        (f'card number={NUMBER} name="张小明" until=2035-12-31 birth=1949-12-31', "ok", [NUMBER]),
        ('card number=USA110076061101 name="SMITH, JOHN" type=foreign_permanent_2017 birth=1976-06-11',
         "ok", ["USA110076061101"]),
        (f"card number={NUMBER}", "error: card needs number= and name=", []),
        (f"card number={NUMBER} name=张三 colour=red", "error: usage: card", []),
        (f"card number={NUMBER} number={NUMBER} name=张三", "error: usage: card", []),
        (f"card number={NUMBER} name=张三 until=someday", "error: until= is not a date", []),
        (f'card number={NUMBER} name="张三', "error: cannot split the line", []),
        ("card number=1234 name=张三", "error: give birth=", []),
        ("remove now", "error: remove takes no arguments", []),
        ("shake", "error: unknown command; use card, insert, remove, unplug, replug or health", []),
        ("health", "ok: watching sim ID reader 'cmd'", []),
    ],
)
def test_control_commands(line: str, reply: str, numbers: list[str]) -> None:
    r = devices.open_id_reader("sim://?name=cmd")
    assert isinstance(r, SimIdReader)
    got = Cards()
    r.start(got)
    try:
        assert r.handle_command(line).startswith(reply)
        # A marker card after the command: once it arrives, anything the command caused has too.
        assert r.present("440524188001010014", "欧阳娜娜")
        wait_until(lambda: got.numbers()[-1:] == ["440524188001010014"])
        assert got.numbers()[:-1] == numbers
    finally:
        r.stop()


def test_control_insert_remove_unplug() -> None:
    r = devices.open_id_reader("sim://?name=cmd2")
    assert isinstance(r, SimIdReader)
    r.start(lambda card: None)
    try:
        assert r.handle_command(f"insert number={NUMBER} name=张小明") == "ok"
        assert r.handle_command(f"insert number={NUMBER} name=张小明").startswith("error: a card is already")
        assert r.handle_command("remove") == "ok"
        assert r.handle_command("unplug") == "ok"
        assert r.handle_command(f"card number={NUMBER} name=张小明") == "ignored: ID reader unplugged"
        assert r.handle_command("replug") == "ok"
        assert r.handle_command(f"card number={NUMBER} name=张小明") == "ok"
    finally:
        r.stop()


def test_bad_callback_is_refused() -> None:
    for url in ("sim://?name=cb", "idcard-serial:///dev/ttyUSB9"):
        with pytest.raises(devices.DeviceConfigError, match="on_card must be callable"):
            devices.open_id_reader(url).start("not a function")  # type: ignore[arg-type]
