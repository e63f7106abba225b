"""idcard-serial:// against an independently written SAM module on a socat pty pair."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import devices
from devices.idcard.core import BAD_FRAMES, SILENT, UNPLUGGED
from devices.idcard.serial_reader import ABSENT_POLLS, CLEAN_TO_OK, SILENT_AFTER, SerialIdReader
from tests.fixtures.idcard import Cards
from tests.fixtures.sam_module import OTHER_RESIDENT, RESIDENT, CardText, SamRig
from tests.fixtures.scanner import wait_until
from tests.fixtures.serial_pty import SocatPair

pytestmark = pytest.mark.integration

FIND, SELECT, READ = b"\x20\x01", b"\x20\x02", b"\x30\x01"
FAST = "poll=0.05&timeout=0.2&read_timeout=1"


@pytest.fixture
def reader(sam_rig: SamRig) -> Iterator[tuple[devices.IdReader, Cards]]:
    r = devices.open_id_reader(f"idcard-serial://{sam_rig.port}?{FAST}")
    cards = Cards()
    r.start(cards)
    wait_until(lambda: r.health().is_ok)
    yield r, cards
    r.stop()


def test_find_select_read_gives_the_card_once_while_it_stays(sam_rig: SamRig, reader) -> None:
    r, cards = reader
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: cards.numbers() == [RESIDENT.number])
    card = cards.got[0]
    assert (card.id_type, card.name, card.birth_date, card.valid_until) == (
        devices.IdType.RESIDENT, RESIDENT.name, date(1949, 12, 31), None)
    requests = sam_rig.module.requests
    first_read = requests.index(READ)
    assert requests[first_read - 2 : first_read + 1] == [FIND, SELECT, READ]
    sam_rig.wait_polls(10)  # the card stays on the reader for ten more polls
    assert cards.numbers() == [RESIDENT.number]
    assert sam_rig.module.count(READ) == 1
    assert r.health().is_ok


def test_removal_and_presentation_again_reads_again(sam_rig: SamRig, reader) -> None:
    _, cards = reader
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: len(cards.numbers()) == 1)
    sam_rig.module.lay(None)
    sam_rig.wait_polls(ABSENT_POLLS + 1)
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: len(cards.numbers()) == 2)
    sam_rig.module.lay(None)
    sam_rig.wait_polls(ABSENT_POLLS + 1)
    sam_rig.module.lay(OTHER_RESIDENT)
    wait_until(lambda: cards.numbers() == [RESIDENT.number, RESIDENT.number, OTHER_RESIDENT.number])
    assert cards.got[2].valid_until == date(2030, 6, 15)


def test_one_missed_find_is_not_a_removal(sam_rig: SamRig, reader) -> None:
    """A card that vanishes for a single poll (an RF flicker) is the same presentation."""
    _, cards = reader
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: len(cards.numbers()) == 1)
    module = sam_rig.module
    finds = module.count(FIND)
    module.lay(None)
    module.wait_for(lambda: module.count(FIND) >= finds + 1, 5, "one find without the card")
    module.lay(RESIDENT)
    sam_rig.wait_polls(10)
    assert len(cards.numbers()) == 1


def test_silent_module_is_down_with_a_reason_then_recovers(sam_rig: SamRig, reader) -> None:
    r, cards = reader
    sam_rig.module.silent = True
    wait_until(lambda: str(r.health()) == f"down: {SILENT}")
    sam_rig.module.silent = False
    wait_until(lambda: r.health().is_ok)
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: cards.numbers() == [RESIDENT.number])


def test_garbage_around_answers_degrades_but_cards_are_read(sam_rig: SamRig, reader) -> None:
    r, cards = reader
    sam_rig.module.garbage = True
    wait_until(lambda: str(r.health()) == f"degraded: {BAD_FRAMES}")
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: cards.numbers() == [RESIDENT.number])
    sam_rig.module.garbage = False
    wait_until(lambda: r.health().is_ok)  # a few clean answers in a row clear it
    sam_rig.wait_polls(5)
    assert cards.numbers() == [RESIDENT.number]


@pytest.mark.parametrize("fault", ["corrupt", "cut"])
def test_only_broken_frames_is_down_then_recovers(sam_rig: SamRig, reader, fault: str) -> None:
    r, cards = reader
    setattr(sam_rig.module, fault, True)
    sam_rig.module.lay(RESIDENT)
    if fault == "corrupt":
        wait_until(lambda: str(r.health()) == f"down: {SILENT}; it sends only bad frames (wrong baudrate?)")
    else:
        # A cut answer never completes: to the driver it is a module that stops mid-frame.
        wait_until(lambda: str(r.health()) == f"down: {SILENT}")
    assert cards.numbers() == []
    setattr(sam_rig.module, fault, False)
    wait_until(lambda: cards.numbers() == [RESIDENT.number])
    wait_until(lambda: r.health().is_ok)


def test_read_failures_are_retried_until_the_read_works(sam_rig: SamRig, reader) -> None:
    _, cards = reader
    module = sam_rig.module
    module.read_fails = True
    module.lay(RESIDENT)
    module.wait_for(lambda: module.count(READ) >= 3, 5, "three read attempts")
    assert cards.numbers() == []
    module.read_fails = False
    wait_until(lambda: cards.numbers() == [RESIDENT.number])
    sam_rig.wait_polls(5)
    assert cards.numbers() == [RESIDENT.number]


def test_a_card_we_cannot_parse_is_reported_and_the_loop_goes_on(sam_rig: SamRig, reader, caplog) -> None:
    r, cards = reader
    caplog.set_level(logging.WARNING, logger="devices")
    bad = bytearray(RESIDENT.block())
    bad[248:250] = "Z".encode("utf-16-le")
    sam_rig.module.lay(bytes(bad))
    wait_until(lambda: str(r.health()) == f"degraded: {BAD_FRAMES}")
    assert any("unknown card type flag" in rec.getMessage() for rec in caplog.records)
    sam_rig.module.lay(None)
    sam_rig.wait_polls(ABSENT_POLLS + 1)
    sam_rig.module.lay(OTHER_RESIDENT)
    wait_until(lambda: cards.numbers() == [OTHER_RESIDENT.number])


def test_unplug_then_replug_reopens_without_reading_the_same_presentation_twice(sam_rig: SamRig,
                                                                               reader) -> None:
    r, cards = reader
    sam_rig.module.lay(RESIDENT)
    wait_until(lambda: len(cards.numbers()) == 1)
    sam_rig.unplug()
    wait_until(lambda: str(r.health()) == f"down: {UNPLUGGED}")
    sam_rig.plug()
    sam_rig.module.lay(RESIDENT)  # the card stayed on the reader through the outage
    wait_until(lambda: r.health().is_ok, timeout=10)
    sam_rig.wait_polls(5)
    assert len(cards.numbers()) == 1
    sam_rig.module.lay(None)
    sam_rig.wait_polls(ABSENT_POLLS + 1)
    sam_rig.module.lay(OTHER_RESIDENT)
    wait_until(lambda: cards.numbers() == [RESIDENT.number, OTHER_RESIDENT.number])


def test_missing_at_boot_then_plugged_in(tmp_path: Path) -> None:
    rig = SamRig(SocatPair(tmp_path))
    r = devices.open_id_reader(f"idcard-serial://{rig.port}?{FAST}")
    cards = Cards()
    r.start(cards)
    try:
        wait_until(lambda: "not found" in str(r.health()))
        assert str(r.health()) == f"down: ID reader {rig.port} not found (is it plugged in?)"
        rig.plug()
        wait_until(lambda: r.health().is_ok, timeout=10)
        rig.module.lay(RESIDENT)
        wait_until(lambda: cards.numbers() == [RESIDENT.number])
    finally:
        r.stop()
        rig.unplug()


def test_a_card_already_on_the_reader_at_start_is_read(sam_rig: SamRig) -> None:
    sam_rig.module.lay(RESIDENT)
    r = devices.open_id_reader(f"idcard-serial://{sam_rig.port}?{FAST}")
    cards = Cards()
    r.start(cards)
    try:
        wait_until(lambda: cards.numbers() == [RESIDENT.number])
    finally:
        r.stop()


def test_every_type_through_the_wire(sam_rig: SamRig, reader) -> None:
    _, cards = reader
    texts = [
        CardText("hmt", "810000199408230021", name="陈大文", birth="19940823", valid_until="20290510"),
        CardText("foreign2017", "USA110076061101", latin_name="SMITH, JOHN", birth="19760611"),
        CardText("foreign2023", "933156199002140021", latin_name="ANNA MULLER", birth="19900214"),
    ]
    for n, text in enumerate(texts, 1):
        sam_rig.module.lay(text)
        wait_until(lambda n=n: len(cards.numbers()) == n)
        sam_rig.module.lay(None)
        sam_rig.wait_polls(ABSENT_POLLS + 1)
    assert [(c.id_type, c.id_number, c.name) for c in cards.got] == [
        (devices.IdType.HMT_RESIDENCE_PERMIT, "810000199408230021", "陈大文"),
        (devices.IdType.FOREIGN_PERMANENT_2017, "USA110076061101", "SMITH, JOHN"),
        (devices.IdType.FOREIGN_PERMANENT_2023, "933156199002140021", "ANNA MULLER"),
    ]


def test_logs_never_hold_the_number_or_the_full_name(sam_rig: SamRig, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    r = devices.open_id_reader(f"idcard-serial://{sam_rig.port}?{FAST}")

    def failing(card: devices.IdCard) -> None:
        raise RuntimeError("application bug")

    r.start(failing)
    try:
        sam_rig.module.garbage = True  # cut and dropped frames are logged too
        sam_rig.module.lay(RESIDENT)
        wait_until(lambda: any("on_card callback failed" in rec.getMessage() for rec in caplog.records))
    finally:
        r.stop()
    text = "\n".join(rec.getMessage() + (rec.exc_text or "") for rec in caplog.records)
    assert "read IdCard(cn_ric, 110***********002X, 张*明" in text
    assert RESIDENT.number not in text and RESIDENT.name not in text
    assert RESIDENT.number[:6] + RESIDENT.number[6:14] not in text


def test_stop_while_waiting_for_an_answer_ends_the_thread_quietly(sam_rig: SamRig, caplog) -> None:
    """stop() lands in the long wait for an answer (the module is silent, the timeout 30 s): the
    thread ends without reporting a loop failure."""
    caplog.set_level(logging.DEBUG, logger="devices")
    sam_rig.module.silent = True
    r = devices.open_id_reader(f"idcard-serial://{sam_rig.port}?poll=0.05&timeout=30")
    assert isinstance(r, SerialIdReader)
    r.start(Cards())
    thread = r._worker.thread
    try:
        sam_rig.module.wait_for(lambda: sam_rig.module.count(FIND) >= 1, 5, "the first find card")
    finally:
        r.stop()
    assert thread is not None and not thread.is_alive()  # stop() waits up to 5 s, the answer 30 s
    assert str(r.health()) == "down: stopped"
    assert [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.WARNING] == []


class HealthSteps(logging.Handler):
    """Each health change the reader logs, with the module's request count at that moment:
    the reader sends its next request only after logging, so the count is exact."""

    def __init__(self, rig: SamRig) -> None:
        super().__init__(logging.INFO)
        self.rig = rig
        self.steps: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for state in ("ok", "degraded", "down"):
            if f": {state}" in message and message.startswith("ID reader "):
                with self._lock:
                    self.steps.append((len(self.rig.module.requests), message.split(": ", 1)[1]))

    def since(self, request: int) -> list[tuple[int, str]]:
        with self._lock:
            return [s for s in self.steps if s[0] >= request]


@pytest.fixture
def steps(sam_rig: SamRig) -> Iterator[HealthSteps]:
    logger = logging.getLogger("devices.idcard")
    handler, level = HealthSteps(sam_rig), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _spent(rig: SamRig, count: int) -> list[int]:
    """Request numbers whose answers the injected faults spoiled, once all are spent."""
    module = rig.module
    module.wait_for(lambda: len(module.faulted) >= count, 5, "the injected faults")
    return [n for n, _ in module.faulted]


def test_bad_frames_degrade_until_enough_clean_answers(sam_rig: SamRig, reader, steps) -> None:
    sam_rig.module.inject("garbage")
    [spoiled] = _spent(sam_rig, 1)
    sam_rig.wait_polls(CLEAN_TO_OK + 2)
    assert steps.since(spoiled) == [(spoiled, f"degraded: {BAD_FRAMES}"),
                                    (spoiled + CLEAN_TO_OK, f"ok: watching {sam_rig.port}")]


def test_one_corrupt_answer_degrades_without_going_down(sam_rig: SamRig, reader, steps) -> None:
    sam_rig.module.inject("corrupt")
    [spoiled] = _spent(sam_rig, 1)
    sam_rig.wait_polls(2)
    assert steps.since(spoiled)[0] == (spoiled, f"degraded: {BAD_FRAMES}")


def test_one_missed_answer_is_not_silence_but_two_are(sam_rig: SamRig, reader, steps) -> None:
    assert SILENT_AFTER == 2
    sam_rig.module.inject("silent")
    [first] = _spent(sam_rig, 1)
    sam_rig.wait_polls(3)
    assert steps.since(first) == []
    sam_rig.module.inject("silent", "silent")
    _, second, third = _spent(sam_rig, 3)
    sam_rig.wait_polls(2)
    assert steps.since(second) == [(third, f"down: {SILENT}"), (third + 1, f"ok: watching {sam_rig.port}")]


def test_an_unplugged_reader_stays_unplugged_while_reopening_fails(sam_rig: SamRig, reader, caplog) -> None:
    r, _ = reader
    caplog.set_level(logging.DEBUG, logger="devices.idcard")
    sam_rig.unplug()
    wait_until(lambda: sum("cannot open the port" in rec.getMessage() for rec in caplog.records) >= 2)
    assert str(r.health()) == f"down: {UNPLUGGED}"
    sam_rig.plug()
    wait_until(lambda: r.health().is_ok, timeout=10)


def test_a_dead_polling_thread_is_restarted_by_health(sam_rig: SamRig) -> None:
    r = devices.open_id_reader(f"idcard-serial://{sam_rig.port}?{FAST}")
    assert isinstance(r, SerialIdReader)
    got: list[str] = []

    def on_card(card: devices.IdCard) -> None:
        got.append(card.id_number)
        if len(got) == 1:
            raise SystemExit  # a BaseException: the only kind that gets past the loop's guard

    previous_hook = threading.excepthook
    threading.excepthook = lambda args: None  # keep the expected thread death out of the output
    try:
        r.start(on_card)
        wait_until(lambda: r.health().is_ok)
        sam_rig.module.lay(RESIDENT)
        wait_until(lambda: r._worker.thread is not None and not r._worker.thread.is_alive())
    finally:
        threading.excepthook = previous_hook
    try:
        assert str(r.health()) == "down: ID reader loop stopped unexpectedly; restarted"
        wait_until(lambda: r.health().is_ok)
        sam_rig.wait_polls(3)
        assert got == [RESIDENT.number]  # the same presentation is not read again
        sam_rig.module.lay(None)
        sam_rig.wait_polls(ABSENT_POLLS + 1)
        sam_rig.module.lay(OTHER_RESIDENT)
        wait_until(lambda: got == [RESIDENT.number, OTHER_RESIDENT.number])
    finally:
        r.stop()
