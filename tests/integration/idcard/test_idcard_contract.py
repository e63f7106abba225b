"""One contract, two ID readers: idcard-serial:// with a SAM module on a pty pair and the
shipped sim:// must agree, so the sim cannot drift from the real driver unnoticed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import devices
from devices.idcard.core import SILENT, UNPLUGGED
from devices.idcard.serial_reader import ABSENT_POLLS
from devices.idcard.sim import SimIdReader
from tests.fixtures.sam_module import OTHER_RESIDENT, RESIDENT, CardText, SamRig
from tests.fixtures.scanner import wait_until
from tests.fixtures.serial_pty import SocatPair

pytestmark = pytest.mark.integration

_TYPES = {"resident": devices.IdType.RESIDENT, "hmt": devices.IdType.HMT_RESIDENCE_PERMIT,
          "foreign2017": devices.IdType.FOREIGN_PERMANENT_2017,
          "foreign2023": devices.IdType.FOREIGN_PERMANENT_2023}


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


@dataclass
class Harness:
    reader: devices.IdReader
    lay: Callable[[CardText], None]  # a card put on the reader, staying there
    take_away: Callable[[], None]
    unplug: Callable[[], None]
    replug: Callable[[], None]
    silence: Callable[[bool], None]
    settle: Callable[[int], None]  # let the reader poll this many times (no-op for the sim)
    cards: list[devices.IdCard] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_card(self, card: devices.IdCard) -> None:
        with self._lock:
            self.cards.append(card)

    def numbers(self) -> list[str]:
        with self._lock:
            return [c.id_number for c in self.cards]

    def start(self) -> None:
        self.reader.start(self.on_card)
        wait_until(lambda: self.reader.health().is_ok, timeout=10)


def _sim_lay(sim: SimIdReader) -> Callable[[CardText], None]:
    def lay(text: CardText) -> None:
        until = None if text.valid_until == "长期" else _day(text.valid_until)
        assert sim.insert(text.number, text.name or text.latin_name, id_type=_TYPES[text.kind],
                          birth=_day(text.birth), valid_until=until)
    return lay


@pytest.fixture(params=["serial", "sim"])
def harness(request, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "serial":
        rig = SamRig(SocatPair(tmp_path))
        rig.plug()
        reader = devices.open_id_reader(f"idcard-serial://{rig.port}?poll=0.05&timeout=0.2&read_timeout=1")

        def silence(on: bool) -> None:
            rig.module.silent = on

        yield Harness(reader, lambda t: rig.module.lay(t), lambda: rig.module.lay(None), rig.unplug,
                      rig.plug, silence, rig.wait_polls)
        reader.stop()
        if rig.pair.running:
            rig.unplug()
    else:
        sim = devices.open_id_reader("sim://?name=contract")
        assert isinstance(sim, SimIdReader)
        yield Harness(sim, _sim_lay(sim), sim.remove, sim.unplug, sim.replug, sim.set_silent,
                      lambda n: None)
        sim.stop()


def test_not_started_then_started_then_stopped(harness: Harness) -> None:
    assert str(harness.reader.health()) == "down: not started"
    harness.start()
    with pytest.raises(devices.DeviceError, match="already started"):
        harness.reader.start(harness.on_card)
    harness.reader.stop()
    assert str(harness.reader.health()) == "down: stopped"
    harness.reader.stop()  # twice is fine


def test_a_card_arrives_once_with_its_fields_and_an_aware_utc_time(harness: Harness) -> None:
    harness.start()
    before = datetime.now(UTC)
    harness.lay(RESIDENT)
    wait_until(lambda: harness.numbers() == [RESIDENT.number])
    card = harness.cards[0]
    assert (card.id_type, card.name, card.birth_date, card.valid_until) == (
        devices.IdType.RESIDENT, "张小明", date(1949, 12, 31), None)
    assert card.read_at.utcoffset() == timedelta(0)
    assert before <= card.read_at <= datetime.now(UTC)
    harness.settle(10)  # the card stays on the reader
    assert harness.numbers() == [RESIDENT.number]


def test_removal_and_presenting_again_reads_again(harness: Harness) -> None:
    harness.start()
    harness.lay(RESIDENT)
    wait_until(lambda: len(harness.numbers()) == 1)
    harness.take_away()
    harness.settle(ABSENT_POLLS + 1)
    harness.lay(RESIDENT)
    wait_until(lambda: len(harness.numbers()) == 2)
    harness.take_away()
    harness.settle(ABSENT_POLLS + 1)
    foreign = CardText("foreign2017", "USA110076061101", latin_name="SMITH, JOHN", birth="19760611",
                       valid_until="20270115")
    harness.lay(foreign)
    wait_until(lambda: len(harness.numbers()) == 3)
    last = harness.cards[2]
    assert (last.id_type, last.id_number, last.name, last.birth_date, last.valid_until) == (
        devices.IdType.FOREIGN_PERMANENT_2017, "USA110076061101", "SMITH, JOHN", date(1976, 6, 11),
        date(2027, 1, 15))


def test_a_failing_callback_does_not_stop_the_reader(harness: Harness, caplog) -> None:
    got: list[str] = []

    def flaky(card: devices.IdCard) -> None:
        got.append(card.id_number)
        if len(got) == 1:
            raise RuntimeError("application bug")

    harness.reader.start(flaky)
    wait_until(lambda: harness.reader.health().is_ok, timeout=10)
    harness.lay(RESIDENT)
    wait_until(lambda: got == [RESIDENT.number])
    harness.take_away()
    harness.settle(ABSENT_POLLS + 1)
    harness.lay(OTHER_RESIDENT)
    wait_until(lambda: got == [RESIDENT.number, OTHER_RESIDENT.number])
    assert any("on_card callback failed" in r.getMessage() for r in caplog.records)
    assert harness.reader.health().is_ok


def test_unplug_then_replug_recovers(harness: Harness) -> None:
    harness.start()
    harness.unplug()
    wait_until(lambda: str(harness.reader.health()) == f"down: {UNPLUGGED}")
    harness.replug()
    wait_until(lambda: harness.reader.health().is_ok, timeout=10)
    harness.lay(RESIDENT)
    wait_until(lambda: harness.numbers() == [RESIDENT.number])


def test_silent_module_is_down_then_recovers(harness: Harness) -> None:
    harness.start()
    harness.silence(True)
    wait_until(lambda: str(harness.reader.health()) == f"down: {SILENT}")
    harness.silence(False)
    wait_until(lambda: harness.reader.health().is_ok)
    harness.lay(RESIDENT)
    wait_until(lambda: harness.numbers() == [RESIDENT.number])


def test_logs_hold_neither_the_number_nor_the_full_name(harness: Harness, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    harness.start()
    harness.lay(OTHER_RESIDENT)
    wait_until(lambda: harness.numbers() == [OTHER_RESIDENT.number])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "欧阳*娜" in text  # the read is logged, masked
    assert OTHER_RESIDENT.number not in text and OTHER_RESIDENT.name not in text


def test_bad_callback_is_refused(harness: Harness) -> None:
    with pytest.raises(devices.DeviceConfigError, match="on_card must be callable"):
        harness.reader.start("not a function")  # type: ignore[arg-type]
