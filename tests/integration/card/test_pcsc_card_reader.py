"""pcsc:// against the real stack: pcscd + vpcd readers + our virtual card."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from smartcard import scard

import devices
from devices.card.pcsc import PcscCardReader
from tests.fixtures.pcsc import READERS, PcscDaemon, wait_card, wait_until
from tests.vcard import VirtualCard
from tests.vcard.card import DEFAULT_ATR

from .taps import Taps

pytestmark = pytest.mark.integration

SLOT0 = "pcsc://?reader=Virtual%20PCD%2000%2000"


@pytest.fixture
def open_reader() -> Iterator[Callable[..., tuple[PcscCardReader, Taps]]]:
    """Open and start a pcsc:// reader, waiting until it watches (unless told not to)."""
    opened: list[PcscCardReader] = []

    def open_(url: str = SLOT0, wait_ok: bool = True) -> tuple[PcscCardReader, Taps]:
        reader = devices.open_card_reader(url)
        assert isinstance(reader, PcscCardReader)
        opened.append(reader)
        taps = Taps()
        reader.start(taps)
        if wait_ok:
            wait_until(lambda: reader.health().is_ok, 5, f"{url} to be watching")
        return reader, taps

    yield open_
    for reader in opened:
        reader.close()


def test_tap_gives_one_event_with_uid_atr_reader_and_utc_time(vcards, open_reader) -> None:
    reader, taps = open_reader()
    before = datetime.now(UTC)
    card = vcards("04a1b2c3d4e5f6")
    card.insert()
    (tap,) = taps.wait_count(1)
    assert tap.uid == "04A1B2C3D4E5F6"
    assert tap.atr == DEFAULT_ATR.hex().upper()
    assert tap.reader == READERS[0]
    assert tap.at.tzinfo is UTC and before <= tap.at <= datetime.now(UTC)
    card.remove()
    wait_card(READERS[0], present=False)
    assert len(taps.all) == 1


def _use_card_elsewhere(reader: str) -> None:
    """Another application connects to the card (reader state INUSE, same presentation)."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS
    try:
        hresult, card, _ = scard.SCardConnect(context, reader, scard.SCARD_SHARE_SHARED,
                                              scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        assert hresult == scard.SCARD_S_SUCCESS
        time.sleep(0.2)  # hold it a moment, as an application reading the card would
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    finally:
        scard.SCardReleaseContext(context)


def test_card_held_three_seconds_is_one_tap(vcards, open_reader) -> None:
    reader, taps = open_reader()
    card = vcards("04A1B2C3")
    card.insert()
    taps.wait_count(1)
    # The scenario itself: a member leaves the card on the reader for 3 s, while another
    # application uses it (a state change, not a new presentation).
    time.sleep(1.5)
    _use_card_elsewhere(READERS[0])
    time.sleep(1.5)
    assert taps.uids == ["04A1B2C3"]
    assert card.uid_reads == 1
    assert reader.health().is_ok


def test_two_different_cards_in_a_row(vcards, open_reader) -> None:
    _, taps = open_reader()
    for n, uid in enumerate(["04A1B2C3", "0811223344556677"], start=1):
        card = vcards(uid)
        card.insert()
        taps.wait_count(n)
        card.remove()
        wait_card(READERS[0], present=False)
    assert taps.uids == ["04A1B2C3", "0811223344556677"]


def test_same_card_presented_again_taps_again(vcards, open_reader) -> None:
    _, taps = open_reader()
    card = vcards("04A1B2C3")
    for n in (1, 2):
        card.insert()
        taps.wait_count(n)
        card.remove()
        wait_card(READERS[0], present=False)
    assert taps.uids == ["04A1B2C3", "04A1B2C3"]


def test_reader_param_picks_the_reader_by_name_prefix(vcards, open_reader) -> None:
    reader, taps = open_reader("pcsc://?reader=virtual%20pcd%2000%2001")
    assert reader.reader_name == READERS[1]
    vcards("04000000", slot=0).insert()  # not the watched reader
    wait_card(READERS[0], present=True)
    vcards("04000001", slot=1).insert()
    (tap,) = taps.wait_count(1)
    assert (tap.uid, tap.reader) == ("04000001", READERS[1])


def test_without_reader_param_watches_the_first_reader(pcscd_running, open_reader) -> None:
    reader, _ = open_reader("pcsc://")
    assert reader.reader_name == READERS[0]
    assert reader.health().reason == f"watching {READERS[0]}"


def test_no_matching_reader_is_down_with_the_reason(pcscd_running, open_reader) -> None:
    reader, _ = open_reader("pcsc://?reader=ACS%20ACR122U", wait_ok=False)
    health = wait_until(lambda: (h := reader.health()).reason.startswith("no reader") and h, 5,
                        "health to name the missing reader")
    assert health.state is devices.State.DOWN
    assert health.reason == "no reader matching 'ACS ACR122U'"


def test_card_removed_mid_read_is_no_tap_and_the_loop_lives_on(vcards, open_reader) -> None:
    reader, taps = open_reader()
    vanishing = vcards("04DEAD00", vanish_on_uid_read=True)
    vanishing.insert()
    assert vanishing.vanished.wait(5), "the driver never tried to read the card"
    wait_card(READERS[0], present=False)
    # The loop handles events in order: had the vanished card tapped, it would come first.
    vcards("04600D00").insert()
    taps.wait_count(1)
    assert taps.uids == ["04600D00"]
    assert reader.health().is_ok


def test_failing_tap_handler_is_logged_and_the_loop_lives_on(vcards, caplog) -> None:
    good = Taps()
    calls = []

    def handler(tap: devices.Tap) -> None:
        calls.append(tap.uid)
        if len(calls) == 1:
            raise RuntimeError("handler bug")
        good(tap)

    reader = devices.open_card_reader(SLOT0)
    try:
        reader.start(handler)
        wait_until(lambda: reader.health().is_ok, 5, "reader watching")
        with caplog.at_level(logging.INFO, logger="devices.card"):
            for uid in ("04000001", "04000002"):
                card = vcards(uid)
                card.insert()
                wait_until(lambda uid=uid: uid in calls, 5, "the handler to be called")
                card.remove()
                wait_card(READERS[0], present=False)
        assert good.uids == ["04000002"]
        assert reader.health().is_ok
        failure = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(failure) == 1 and "****0001" in failure[0].getMessage()
        # Only masked UIDs in the log.
        assert not any("04000001" in r.getMessage() for r in caplog.records)
    finally:
        reader.close()


def test_pcscd_killed_and_restarted_recovers(pcscd: PcscDaemon, vcards, open_reader) -> None:
    reader, taps = open_reader()
    pcscd.kill()
    down = wait_until(lambda: (h := reader.health()).state is devices.State.DOWN and h, 5,
                      "health to go down")
    assert down.reason in ("PC/SC service not running",
                           "lost the connection to the PC/SC service or reader")
    wait_until(lambda: reader.health().reason == "PC/SC service not running", 5,
               "health to say the service is not running")
    pcscd.start()
    wait_until(lambda: reader.health().is_ok, 5, "the reader to recover after pcscd restart")
    vcards("04A1B2C3").insert()
    assert taps.wait_count(1)[0].uid == "04A1B2C3"


def test_started_without_daemon_is_down_then_recovers(pcscd: PcscDaemon, vcards,
                                                       open_reader) -> None:
    pcscd.kill()
    reader, taps = open_reader(wait_ok=False)
    wait_until(lambda: reader.health().reason == "PC/SC service not running", 5,
               "health to say the service is not running")
    assert reader.health().state is devices.State.DOWN
    pcscd.start()
    wait_until(lambda: reader.health().is_ok, 5, "the reader to come up with pcscd")
    vcards("04A1B2C3").insert()
    assert taps.wait_count(1)[0].uid == "04A1B2C3"


def test_stop_ends_the_loop_and_start_works_again(vcards, open_reader) -> None:
    reader, taps = open_reader()
    reader.stop()
    assert reader.health() == devices.Health.down("stopped")
    assert not [t for t in threading.enumerate() if t.name == "pcsc-reader"]
    reader.stop()  # twice is fine
    reader.start(taps)
    wait_until(lambda: reader.health().is_ok, 5, "reader watching again")
    vcards("04A1B2C3").insert()
    assert taps.wait_count(1)[0].uid == "04A1B2C3"


def test_start_twice_is_an_error(pcscd_running, open_reader) -> None:
    reader, taps = open_reader()
    with pytest.raises(devices.DeviceError, match="already started"):
        reader.start(taps)


def test_card_already_on_the_reader_at_start_is_not_a_tap(vcards, open_reader) -> None:
    card = vcards("04A1B2C3")
    card.insert()
    wait_card(READERS[0], present=True)
    reader, taps = open_reader()
    card.remove()
    wait_card(READERS[0], present=False)
    card2 = VirtualCard("04000002")
    with card2:
        assert taps.wait_count(1)[0].uid == "04000002"
    assert taps.uids == ["04000002"]
