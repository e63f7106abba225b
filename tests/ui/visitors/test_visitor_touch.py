"""The visitor screens under Xvfb, driven by touches, against a real central on loopback:
a visitor registers, reception approves at central, the slip's QR (on screen) decodes to
the pass; the ID card on the simulated reader fills the form; PIN approval when central is
unreachable; cancel and idle wipe what was entered."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.sync import KioskRig
from tests.ui.conftest import Ui
from tests.ui.visitors.rig import (
    PIN,
    RIC,
    central_visit,
    fill_after_id,
    on_step,
    screenshot,
    steps_screen,
    tap_next,
    tap_on,
    type_into,
    type_name,
    zbar,
)

pytestmark = pytest.mark.integration
Make = Callable[..., tuple[Ui, KioskRig]]


def start_visitor(ui: Ui) -> None:
    tap_on(ui, "visitor", "home")
    on_step(ui, "id")


def test_a_visitor_registers_reception_approves_at_central_and_the_slip_qr_decodes(
        visitor_ui: Make, caplog: pytest.LogCaptureFixture) -> None:
    from central.services import visits

    caplog.set_level(logging.DEBUG)
    ui, rig = visitor_ui()
    start_visitor(ui)
    tap_next(ui)  # nothing typed: refused on this step, with its text
    ui.wait(lambda: steps_screen(ui).error == "证件号码位数不对。", "the ID number's error")
    type_into(ui, "id_number", RIC)
    tap_next(ui)
    fill_after_id(ui)
    tap_next(ui)  # Submit
    ui.wait(lambda: ui.app.screens.current == "visitor_wait", "the waiting screen")
    ui.wait(lambda: ui.screen("visitor_wait").timer not in ("", "0:00"), "the timer")
    visit = central_visit(rig)
    assert (visit.status, visit.host, visit.party_size) == ("pending", "3-1201 3号楼", 2)
    visits.approve_visit(rig.srv.central, visit.id, None)
    ui.wait(lambda: ui.app.screens.current == "visitor_slip", "the slip", timeout=30)
    slip = ui.screen("visitor_slip")
    ui.wait(lambda: slip.status == "访客单已打印。请取走，并在闸机扫描二维码。", "printed")
    assert "王*二" in slip.lines and "王小二" not in slip.lines
    with rig.srv.central.db.reading() as s:
        from central.models import Visit

        pass_text = s.get(Visit, visit.id).pass_text
    assert pass_text and zbar(screenshot(ui, "visitor_slip-800x480")) == pass_text
    tap_on(ui, "done", "visitor_slip")
    ui.wait(lambda: ui.app.screens.current == "home", "home again")
    start_visitor(ui)  # the next visitor sees nothing of the last
    assert ui.widget("id_number", "visitor").text == "" and steps_screen(ui).error == ""
    for secret in (RIC, "王小二", "13800138000"):  # nothing personal in the log
        assert secret not in caplog.text


def test_an_id_card_on_the_reader_fills_the_form_and_the_visitor_only_confirms(visitor_ui: Make) -> None:
    from devices import simhub

    ui, rig = visitor_ui()
    reader = simhub.get("id_reader", ui.kiosk.config.devices.id_reader.split("name=")[1])
    reader.present(RIC, "王小二")  # on Home: starts a registration with it
    on_step(ui, "id")
    steps = steps_screen(ui)
    ui.wait(lambda: steps.from_card, "the card read")
    assert ui.widget("card_summary", "visitor").text == "居民身份证\n110***********002X"
    tap_next(ui)
    on_step(ui, "name")
    assert ui.widget("name_from_card", "visitor").text == "证件上的姓名： 王*二"
    fill_after_id(ui, name=None)
    tap_next(ui)
    ui.wait(lambda: ui.app.screens.current == "visitor_wait", "the waiting screen")
    visit = central_visit(rig)
    assert visit.status == "pending" and visit.id_type == "cn_ric"
    tap_on(ui, "cancel", "visitor_wait")
    ui.wait(lambda: ui.app.screens.current == "home", "home after cancel")


def test_reception_unreachable_a_receptionist_approves_with_the_pin(visitor_ui: Make) -> None:
    ui, rig = visitor_ui(through_proxy=True)
    rig.proxy.mode = "drop"  # central cannot be reached from here on
    start_visitor(ui)
    ui.widget("id_type", "visitor").text = "护照"
    ui.frame()
    ui.wait(lambda: steps_screen(ui).needs_country, "the country box")
    type_into(ui, "country", "GBR")
    type_into(ui, "id_number", "E12345678")
    tap_next(ui)
    fill_after_id(ui, name=[("zhou", "周"), ("jie", "杰")], mobile="+447700900123")
    tap_next(ui)
    ui.wait(lambda: ui.app.screens.current == "visitor_refused", "see reception", timeout=30)
    refused = ui.screen("visitor_refused")
    assert refused.pin_can_help
    screenshot(ui, "visitor_refused_pin-800x480")
    tap_on(ui, "pin", "visitor_refused")
    ui.wait(lambda: ui.app.screens.current == "visitor_pin", "the PIN screen")
    pin_screen = ui.screen("visitor_pin")
    ui.wait(lambda: pin_screen.receptionists == ["rita"], "the receptionists")
    ui.widget("who", "visitor_pin").text = "rita"
    ui.widget("pin", "visitor_pin").text = "000000"
    ui.frame()
    tap_on(ui, "approve", "visitor_pin")
    ui.wait(lambda: pin_screen.message.startswith("PIN 码错误"), "wrong PIN said")
    assert ui.widget("pin", "visitor_pin").text == ""  # the attempt is not kept
    ui.widget("pin", "visitor_pin").text = PIN
    ui.frame()
    tap_on(ui, "approve", "visitor_pin")
    ui.wait(lambda: ui.app.screens.current == "visitor_slip", "the slip", timeout=30)
    slip_qr = ui.screen("visitor_slip").qr
    assert slip_qr and zbar(screenshot(ui, "visitor_slip_pin-800x480")) == slip_qr


def test_cancel_and_idle_wipe_what_was_entered(visitor_ui: Make) -> None:
    ui, _rig = visitor_ui(idle_form_s=5)
    start_visitor(ui)
    type_into(ui, "id_number", RIC)
    tap_next(ui)
    on_step(ui, "name")
    type_name(ui, [("li", "李")])
    assert ui.screen("visitor").name_typed == "李"
    ui.wait(lambda: ui.app.screens.current == "home", "home after the idle timeout", timeout=20)
    start_visitor(ui)
    session: Any = steps_screen(ui).session
    assert session.steps.id_number == "" and ui.widget("id_number", "visitor").text == ""
    assert session.steps.name == "" and ui.widget("name", "visitor").text == ""
    type_into(ui, "id_number", "110105")
    ui.tap("cancel", "visitor")
    ui.wait(lambda: ui.app.screens.current == "home", "home after cancel")
    start_visitor(ui)
    assert session.steps.id_number == "" and ui.widget("id_number", "visitor").text == ""


def test_an_invitation_says_whom_then_the_id_card_then_the_slip(visitor_ui: Make) -> None:
    from datetime import UTC, datetime, timedelta

    from central.services import invitations
    from devices import simhub

    ui, rig = visitor_ui()
    now = datetime.now(UTC)
    invitation = invitations.create(rig.srv.central, None, "李四", "3-1201", now - timedelta(minutes=5),
                                    now + timedelta(hours=2))
    # Shown at the kiosk's scanner on Home: the check-in starts by itself, the gate stays shut.
    name = ui.kiosk.config.devices.qr_scanner.split("name=")[1]
    simhub.get("scanner", name).scan(invitation.qr_text)
    ui.wait(lambda: ui.app.screens.current == "invitation", "the invitation screen")
    screen = ui.screen("invitation")
    ui.wait(lambda: screen.accepted, "the invitation checked")
    assert ui.kiosk.gate_relay.pulses(ui.kiosk.config.gate.relay_channel) == []
    assert screen.message.startswith("李*，您好！")  # masked, from central's lookup
    tap_on(ui, "go_on", "invitation")
    on_step(ui, "id")
    assert steps_screen(ui).progress == "第 1 步，共 4 步"
    reader = simhub.get("id_reader", ui.kiosk.config.devices.id_reader.split("name=")[1])
    reader.present(RIC, "李四")
    ui.wait(lambda: steps_screen(ui).from_card, "the card read")
    tap_next(ui)
    on_step(ui, "name")
    tap_next(ui)
    on_step(ui, "mobile")
    type_into(ui, "mobile", "13800138000")
    tap_next(ui)
    on_step(ui, "privacy")
    tap_on(ui, "consent", "visitor")
    ui.wait(lambda: steps_screen(ui).consent, "consent ticked")
    tap_next(ui)
    # Central approves an invited visitor at once: straight to the slip.
    ui.wait(lambda: ui.app.screens.current == "visitor_slip", "the slip", timeout=30)
    visit = central_visit(rig)
    assert (visit.status, visit.invitation_id) == ("approved", invitation.id)
    assert ui.screen("visitor_slip").qr == visit.pass_text
