"""The text-block parser, one table per card type: blocks are built from field values by the
test fixture's own layout code (tests/fixtures/sam_module.py), never from parser output."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

import devices
from devices.events import IdType
from devices.idcard.textblock import parse_text, split_read_answer
from tests.fixtures.sam_module import PHOTO, CardText, read_answer

AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)

# (fields on the card, what the kiosk must get: type, number, name, birth, valid until)
RESIDENT = [
    (CardText("resident", "11010519491231002X", name="张小明", birth="19491231", valid_until="20351231"),
     (IdType.RESIDENT, "11010519491231002X", "张小明", date(1949, 12, 31), date(2035, 12, 31))),
    (CardText("resident", "440524188001010014", name="欧阳娜娜", birth="18800101", valid_until="长期"),
     (IdType.RESIDENT, "440524188001010014", "欧阳娜娜", date(1880, 1, 1), None)),
    (CardText("resident", "65010219850301123x", name="买买提·艾力", birth="19850301", valid_until="20251001"),
     (IdType.RESIDENT, "65010219850301123X", "买买提·艾力", date(1985, 3, 1), date(2025, 10, 1))),
]
HMT = [
    (CardText("hmt", "810000199408230021", name="陈大文", birth="19940823", valid_until="20290510"),
     (IdType.HMT_RESIDENCE_PERMIT, "810000199408230021", "陈大文", date(1994, 8, 23), date(2029, 5, 10))),
    (CardText("hmt", "830000200002290015", name="林美", birth="20000229", valid_until="20310101"),
     (IdType.HMT_RESIDENCE_PERMIT, "830000200002290015", "林美", date(2000, 2, 29), date(2031, 1, 1))),
]
FOREIGN_2017 = [
    (CardText("foreign2017", "USA110076061101", name="", latin_name="SMITH, JOHN PAUL",
              birth="19760611", valid_until="20270115"),
     (IdType.FOREIGN_PERMANENT_2017, "USA110076061101", "SMITH, JOHN PAUL", date(1976, 6, 11),
      date(2027, 1, 15))),
    (CardText("foreign2017", "CAN310088120302", name="白求恩", latin_name="BETHUNE, NORMAN",
              birth="19881203", valid_until="20300101"),
     (IdType.FOREIGN_PERMANENT_2017, "CAN310088120302", "白求恩", date(1988, 12, 3), date(2030, 1, 1))),
]
FOREIGN_2023 = [
    (CardText("foreign2023", "933156199002140021", name="", latin_name="MÜLLER  ANNA",
              birth="19900214", valid_until="20331130"),
     (IdType.FOREIGN_PERMANENT_2023, "933156199002140021", "MÜLLER ANNA", date(1990, 2, 14),
      date(2033, 11, 30))),
    (CardText("foreign2023", "911840198507070012", name="马克", latin_name="MARK TWAIN",
              birth="19850707", valid_until="长期"),
     (IdType.FOREIGN_PERMANENT_2023, "911840198507070012", "马克", date(1985, 7, 7), None)),
]


def _fields(card: devices.IdCard) -> tuple[object, ...]:
    return (card.id_type, card.id_number, card.name, card.birth_date, card.valid_until)


@pytest.mark.parametrize(("text", "expected"), RESIDENT + HMT + FOREIGN_2017 + FOREIGN_2023,
                         ids=lambda v: getattr(v, "kind", ""))
def test_each_card_type(text: CardText, expected: tuple[object, ...]) -> None:
    card = parse_text(text.block(), AT)
    assert _fields(card) == expected
    assert card.read_at == AT


def test_the_address_and_other_fields_are_not_kept() -> None:
    text = CardText("resident", "11010519491231002X", name="张小明", address="幸福路88号")
    card = parse_text(text.block(), AT)
    assert {f.name for f in dataclasses.fields(card)} == {
        "id_type", "id_number", "name", "birth_date", "valid_until", "read_at"}
    assert "幸福路" not in repr(dataclasses.astuple(card))


def test_read_answer_drops_the_photo() -> None:
    text = CardText("resident", "11010519491231002X", name="张小明").block()
    data = read_answer(text)[3:]  # after SW1 SW2 SW3
    assert split_read_answer(data) == text
    assert split_read_answer(read_answer(text, photo=b"")[3:]) == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01\x00", "too short"),
        (read_answer(bytes(200))[3:], "announces 200 text bytes"),
        (read_answer(bytes(256))[3:-1], "announced"),
        (read_answer(bytes(256))[3:] + b"\x00", "announced"),
        (b"\x01\x00\x04\x00" + bytes(256) + PHOTO[:10], "announced"),
    ],
)
def test_read_answers_that_do_not_add_up(data: bytes, message: str) -> None:
    with pytest.raises(devices.DeviceProtocolError, match=message):
        split_read_answer(data)


def _with(block: bytes, at: int, text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return block[:at] + raw + block[at + len(raw):]


GOOD = CardText("resident", "11010519491231002X", name="张小明").block()


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (GOOD[:254], "254 bytes"),
        (_with(GOOD, 248, "Z"), "unknown card type flag U\\+005A"),
        (CardText("resident", "11010519491231002X", name="").block(), "name field is empty"),
        (CardText("foreign2017", "USA110076061101", name="", latin_name="").block(), "name field is empty"),
        (CardText("resident", "1101051949123100", name="张三").block(), "ID number"),
        (CardText("resident", "11010519491231002Y", name="张三").block(), "ID number"),
        (CardText("hmt", "ABC", name="张三").block(), "ID number"),
        (CardText("foreign2023", "11010519491231002X", latin_name="ANNA").block(), "ID number"),
        (CardText("foreign2017", "usa11007606110", latin_name="JOHN").block(), "ID number"),
        (CardText("resident", "11010519491231002X", name="张三", birth="1949123").block(), "birth date"),
        (CardText("resident", "11010519491231002X", name="张三", birth="19490231").block(), "birth date"),
        (CardText("resident", "11010519491231002X", name="张三", valid_until="永久").block(), "valid until"),
        (CardText("resident", "11010519491231002X", name="张三", valid_until="２０３００１０１").block(),
         "valid until"),
        (_with(GOOD, 0, "张\x1b三"), "control characters"),
        (GOOD[:0] + b"\x00\xd8" + GOOD[2:], "not UTF-16"),
    ],
)
def test_blocks_we_do_not_understand_are_protocol_errors(block: bytes, message: str) -> None:
    with pytest.raises(devices.DeviceProtocolError, match=message) as info:
        parse_text(block, AT)
    # The error names the field, never its content.
    assert "张" not in str(info.value) and "1101" not in str(info.value)


def test_a_zero_filled_flag_reads_as_a_resident_id() -> None:
    block = GOOD[:248] + b"\x00\x00" + GOOD[250:]
    assert parse_text(block, AT).id_type is IdType.RESIDENT


def test_the_card_hides_number_and_name_when_printed() -> None:
    card = parse_text(CardText("resident", "11010519491231002X", name="张小明",
                               valid_until="长期").block(), AT)
    for shown in (repr(card), str(card), f"{card}", repr([card])):
        assert "11010519491231002X" not in shown and "张小明" not in shown
        assert "110***********002X" in shown and "张*明" in shown
        assert "long-term" in shown
