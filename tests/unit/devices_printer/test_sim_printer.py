"""The shipped sim:// printer and the `none` printer, through the public devices API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import devices
from devices import simhub
from devices.errors import PaperOut, SlipError
from devices.health import State
from devices.printer.layout import LayoutOptions, render
from devices.printer.sim import SimPrinter

SLIP = devices.Slip("访客单", ("访客: 张*",), qr="V1:ABC", footer="请扫码")


@pytest.fixture
def opened() -> Iterator[list[devices.Printer]]:
    printers: list[devices.Printer] = []
    yield printers
    for p in printers:
        p.close()


def sim(opened: list[devices.Printer], url: str) -> SimPrinter:
    p = devices.open_printer(url)
    opened.append(p)
    assert isinstance(p, SimPrinter)
    return p


def test_sim_keeps_slips_and_the_real_bytes(opened):
    p = sim(opened, "sim://?name=lobby&paper=80")
    assert simhub.get("printer", "lobby") is p
    p.print_slip(SLIP)
    [record] = p.printed
    assert record.slip == SLIP
    assert record.data == render(SLIP, LayoutOptions(paper_mm=80))
    assert record.text.startswith("访客单\n")
    assert record.at.tzinfo is not None
    assert p.health().is_ok


def test_sim_unregisters_on_close(opened):
    p = sim(opened, "sim://?name=gone")
    p.close()
    with pytest.raises(LookupError):
        simhub.get("printer", "gone")
    with pytest.raises(devices.DeviceNotFound):
        p.print_slip(SLIP)


@pytest.mark.parametrize(
    ("fault", "error", "health"),
    [
        ("absent", devices.DeviceNotFound, "down"),
        ("paper_out", PaperOut, "down"),
        ("timeout", devices.DeviceTimeout, "ok"),
    ],
)
def test_sim_faults(opened, fault: str, error: type[Exception], health: str):
    p = sim(opened, f"sim://?name=f&fail={fault}")
    with pytest.raises(error):
        p.print_slip(SLIP)
    assert p.printed == []
    assert p.health().state == State(health)


def test_paper_low_prints_but_is_degraded(opened):
    p = sim(opened, "sim://?fail=paper_low")
    p.print_slip(SLIP)
    assert len(p.printed) == 1
    assert str(p.health()) == "degraded: paper low"


def test_unplug_after_n_then_replug(opened):
    p = sim(opened, "sim://?fail=unplug_after:2")
    p.print_slip(SLIP)
    p.print_slip(SLIP)
    assert str(p.health()) == "down: printer unplugged"
    with pytest.raises(devices.DeviceUnplugged):
        p.print_slip(SLIP)
    p.replug()
    p.print_slip(SLIP)
    assert len(p.printed) == 3 and p.health().is_ok


def test_faults_switch_at_run_time(opened):
    p = sim(opened, "sim://")
    p.set_fault("paper_out")
    with pytest.raises(PaperOut):
        p.print_slip(SLIP)
    p.set_fault(None)
    p.print_slip(SLIP)
    with pytest.raises(devices.DeviceConfigError, match="not a printer fault"):
        p.set_fault("on_fire")


def test_a_bad_slip_is_refused_by_the_sim_like_the_real_printer(opened):
    p = sim(opened, "sim://")
    with pytest.raises(SlipError):
        p.print_slip(devices.Slip(""))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sim://?fail=unplug_after:x", "not a printer fault"),
        ("sim://?fail=unplug_after:-1", "not a printer fault"),
        ("sim://?colour=red", "unknown parameter"),
        ("sim://?name=", "name must not be empty"),
        ("sim://?out=", "out must name a directory"),
        ("sim://?paper=70", "must be 58 or 80"),
        ("sim://?charset=utf8", "must be gb18030, gbk or ascii"),
    ],
)
def test_sim_url_errors(url: str, message: str):
    with pytest.raises(devices.DeviceConfigError, match=message):
        devices.open_printer(url)


def test_none_printer_refuses_every_slip():
    p = devices.open_printer("none")
    with pytest.raises(devices.DeviceNotFound, match="no printer configured"):
        p.print_slip(SLIP)
    assert str(p.health()) == "down: not configured"
    p.close()
