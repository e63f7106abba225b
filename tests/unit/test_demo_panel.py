"""The demo's simulator panel against real sim:// devices on their control sockets (in this
process): each command reaches its device; typos and broken devices are answered, not dropped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import devices
from devices.events import IdCard, Scan, Slip, Tap
from devices.sim_control import send_command
from kiosk.demo.panel import SAMPLE_ID_NUMBER, DemoCard, Panel, Sockets
from kiosk.demo.stack import demo_cards

SLIP = Slip(title="Visitor slip", lines=("Host: 2-1201",), qr="V1:SLIP-QR")


def wait_until(cond, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := cond()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
    return value


class Rig:
    def __init__(self, tmp: Path) -> None:
        self.sockets = Sockets(*(str(tmp / f"{n}.sock") for n in ("c", "r", "p", "s", "i")))
        self.slips = tmp / "slips"
        s = self.sockets
        self.taps: list[Tap] = []
        self.scans: list[Scan] = []
        self.cards: list[IdCard] = []
        self.reader = devices.open_card_reader(f"sim://?name=panel&control={s.card_reader}")
        self.relay = devices.open_relay(f"sim://?name=panel&control={s.relay}")
        self.printer = devices.open_printer(f"sim://?name=panel&out={self.slips}&control={s.printer}")
        self.scanner = devices.open_scanner(f"sim://?name=panel&control={s.scanner}")
        self.id_reader = devices.open_id_reader(f"sim://?name=panel&control={s.id_reader}")
        self.reader.start(self.taps.append)
        self.scanner.start(self.scans.append)
        self.id_reader.start(self.cards.append)

    def panel(self, invitation: str | None = "I1:INVITE") -> Panel:
        return Panel(self.sockets, demo_cards(), self.slips, invitation, send_command)

    def close(self) -> None:
        for d in (self.reader, self.scanner, self.id_reader):
            d.stop()
        for d in (self.relay, self.printer, self.scanner, self.id_reader):
            d.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.close()


def test_numbers_tap_the_demo_cards_and_uids_tap_any(rig: Rig) -> None:
    panel = rig.panel()
    assert panel.handle("2").startswith("tapped card 2 (D002,")
    assert panel.handle("tap 04:aa:bb:cc") == "tapped card 04AABBCC"
    wait_until(lambda: len(rig.taps) == 2)
    assert [t.uid for t in rig.taps] == [demo_cards()[1].uid, "04AABBCC"]
    assert panel.handle("7") == "demo: there are demo cards 1-6; `tap UID` taps any other"
    assert panel.handle("0").startswith("demo: there are demo cards 1-6")
    assert panel.handle("tap zz").startswith("demo: 'zz' is not a card UID")
    assert panel.handle("tap").startswith("demo: usage: tap UID")
    assert panel.handle("") == ""
    # A good tap last, as a barrier: taps arrive in order, so once it is seen, none of the
    # refused lines tapped anything in between.
    assert panel.handle("1").startswith("tapped card 1 (D001,")
    wait_until(lambda: len(rig.taps) >= 3)
    assert [t.uid for t in rig.taps] == [demo_cards()[1].uid, "04AABBCC", demo_cards()[0].uid]


def test_id_lays_the_sample_card_on_the_reader_masked_on_screen(rig: Rig) -> None:
    panel = rig.panel()
    reply = panel.handle("id")
    assert reply == "ID card read: 林*雨 110***********002X"
    card = wait_until(lambda: rig.cards and rig.cards[0])
    assert card.id_number == SAMPLE_ID_NUMBER and card.name == "林小雨"
    assert panel.handle("id").startswith("ID card read")  # taken away again: a second read works
    wait_until(lambda: len(rig.cards) == 2)
    assert panel.handle("id now").startswith("demo: usage: id")


def test_scan_offers_the_last_slip_else_the_invitation(rig: Rig) -> None:
    panel = rig.panel()
    assert panel.handle("scan") == "scanned the sample invitation (no slip printed yet)"
    rig.printer.print_slip(Slip(title="Old", qr="V1:OLDER"))
    rig.printer.print_slip(SLIP)
    assert panel.handle("scan") == "scanned the last printed slip"
    assert panel.handle("scan invite") == "scanned the sample invitation"
    assert panel.handle("scan V1:anything at all") == "scanned 'V1:anything at all'"
    wait_until(lambda: len(rig.scans) == 4)
    assert [s.text for s in rig.scans] == ["I1:INVITE", "V1:SLIP-QR", "I1:INVITE", "V1:anything at all"]
    assert rig.panel(invitation=None).handle("scan invite").startswith("demo: there is no sample invitation")


def test_scan_with_nothing_to_offer_says_so(tmp_path: Path, rig: Rig) -> None:
    panel = Panel(rig.sockets, demo_cards(), tmp_path / "nothing-here", None, send_command)
    assert panel.handle("scan").startswith("demo: no slip printed yet and no sample invitation")


def test_break_and_mend_each_device(rig: Rig) -> None:
    panel = rig.panel()
    assert panel.handle("break reader").startswith("card reader is broken (unplugged)")
    assert rig.reader.health().reason == "reader unplugged"
    assert panel.handle("1") == "demo: the card reader ignored it: reader unplugged"
    assert panel.handle("mend card") == "card reader is mended"
    assert rig.reader.health().is_ok

    assert panel.handle("break relay").startswith("gate relay board is broken")
    with pytest.raises(devices.DeviceError):
        rig.relay.pulse(0, 50)
    assert panel.handle("mend gate") == "gate relay board is mended"
    assert send_command(rig.sockets.relay, "state") == "on: none"

    assert panel.handle("break printer").startswith("slip printer is broken (out of paper)")
    with pytest.raises(devices.PaperOut):
        rig.printer.print_slip(SLIP)
    assert panel.handle("mend printer") == "slip printer is mended"
    rig.printer.print_slip(SLIP)

    assert panel.handle("break qr").startswith("QR scanner is broken")
    assert panel.handle("scan x") == "demo: the QR scanner ignored it: scanner unplugged"
    assert panel.handle("mend scanner") == "QR scanner is mended"

    assert panel.handle("break id").startswith("ID card reader is broken")
    assert panel.handle("id").startswith("demo: the ID card reader ignored it")
    assert panel.handle("mend idreader") == "ID card reader is mended"
    assert panel.handle("id").startswith("ID card read")

    assert panel.handle("break").startswith("demo: usage: break DEVICE, one of reader, relay")
    assert panel.handle("mend toaster").startswith("demo: usage: mend DEVICE")


def test_health_lists_every_device(rig: Rig) -> None:
    panel = rig.panel()
    panel.handle("break printer")
    rows = panel.handle("health").splitlines()
    assert len(rows) == 5
    assert any("slip printer" in r and "down: paper out" in r for r in rows)
    assert any("card reader" in r and r.rstrip().endswith("ok: watching Simulated reader") for r in rows)


def test_a_kiosk_that_is_gone_is_answered_not_raised(tmp_path: Path) -> None:
    sockets = Sockets(*(str(tmp_path / f"{n}.sock") for n in ("c", "r", "p", "s", "i")))
    panel = Panel(sockets, [DemoCard("D001", "04A1B2C3", "gym")], tmp_path, None, send_command)
    assert "is the kiosk still running?" in panel.handle("1")
    assert "not answering" in panel.handle("health")
    assert panel.handle("frobnicate").startswith("demo: 'frobnicate' is not a command")
