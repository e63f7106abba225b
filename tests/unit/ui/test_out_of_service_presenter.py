"""Out of service: which devices are critical, and what the screen says still works."""

from __future__ import annotations

from devices import Health
from kiosk.ui.presenters.out_of_service import critical_down, present
from tests.unit.ui.support import health, tr


def test_only_a_down_reader_or_relay_is_critical() -> None:
    assert critical_down(health()) == []
    assert critical_down(health(printer=Health.down("paper out"), id_reader=Health.down("x"))) == []
    assert critical_down(health(card_reader=Health.degraded("slow"))) == []
    assert critical_down(health(relay=Health.down("no answer"), card_reader=Health.down("gone"))) == \
        ["card_reader", "relay"]


def test_says_which_device_and_what_still_works() -> None:
    view = present(health(card_reader=Health.down("unplugged"), qr_scanner=Health.ok("watching")),
                   tr("en"))
    assert view.problem.startswith("The card reader is not working")
    assert view.still_works[0] == "Visitors with a slip can still scan it at the turnstile."
    assert "Visitors can still check in here." in view.still_works
    zh = present(health(relay=Health.down("no answer")), tr("zh_CN"))
    assert zh.title == "刷卡入场暂停服务" and zh.problem.startswith("闸机暂时无法使用")


def test_slips_are_not_offered_without_a_scanner_or_without_the_gate() -> None:
    unconfigured = present(health(card_reader=Health.down("x")), tr("en"))
    assert not any("scan" in s for s in unconfigured.still_works)
    gate_down = present(health(relay=Health.down("x"), qr_scanner=Health.ok("watching")), tr("en"))
    assert not any("scan" in s for s in gate_down.still_works)
