"""The kiosk page in real Chromium on a phone-sized screen, against the whole stack: a kiosk built
by bootstrap.build (sim:// card reader and relay) runs its sync worker against a real central; its
heartbeat carries a diagnostics report; a technician sees every device and taps "Pulse the gate";
the kiosk's long-poll brings the request, the simulated board's gate relay switches once, and the
page shows the answer with who asked. A receptionist sees the health but gets no button, and a
forged request from her session is refused and switches nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from central.services import kiosks, remote
from kiosk import bootstrap, config
from kiosk.bootstrap import Kiosk
from kiosk.sync.engine import SyncSettings
from tests.fixtures.central import wait_until
from tests.fixtures.sync import KioskRig, make_kiosk, sync_central  # noqa: F401
from tests.integration.console.support import PASSWORD

GATE = 0
@pytest.fixture
def running_kiosk(make_kiosk: Callable[..., KioskRig]) -> Iterator[tuple[KioskRig, Kiosk]]:  # noqa: F811
    rig = make_kiosk()
    cfg = config.from_dict({
        "kiosk": {"data_dir": str(rig.data_dir), "facility": "gym"},
        "devices": {"card_reader": "sim://", "relay": "sim://?name=remote-gate&channels=8"},
    })
    kiosk = bootstrap.build(cfg, sync_settings=SyncSettings(interval_s=1.0, long_poll_s=10.0))
    kiosk.start()
    try:
        yield rig, kiosk
    finally:
        kiosk.stop()


def _context(chromium: Any) -> Any:
    ctx = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                               device_scale_factor=2, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(10_000)
    return ctx


def _log_in(page: Any, base: str, user: str, path: str) -> None:
    page.goto(base + path)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + path)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the page is {width} px wide on a phone"


def test_a_pulse_from_the_console_reaches_the_kiosk_and_is_audited(
    chromium: Any, running_kiosk: tuple[KioskRig, Kiosk], tmp_path: Path
) -> None:
    rig, kiosk = running_kiosk
    srv = rig.srv
    srv.add_user("tina", "technician")
    srv.add_user("rita", "receptionist")
    relay = kiosk.gate_relay
    wait_until(lambda: kiosks.status(srv.central, rig.kiosk_id).diag, 20, "the heartbeat's report")
    path = f"/console/kiosks/{rig.kiosk_id}"

    ctx = _context(chromium)
    try:
        page = ctx.new_page()
        _log_in(page, srv.base, "tina", path)
        for device in ("card_reader", "relay", "printer", "qr_scanner", "id_reader"):
            assert page.locator(f"section[data-device={device}]").count() == 1, device
        assert page.locator("section[data-device=relay]").get_attribute("data-status") == "pass"
        assert page.locator("section[data-device=printer]").get_attribute("data-status") == "none"
        assert "闸机继电器" in page.locator("section[data-device=relay] h2").inner_text()
        assert "未配置" in page.locator("section[data-device=printer]").inner_text()
        _no_sideways_scroll(page)
        assert relay.pulses(GATE) == []

        page.locator("#ask-pulse").click()
        page.wait_for_url("**?done=asked")
        assert "已发送到自助机" in page.locator("#notice").inner_text()
        wait_until(lambda: len(relay.pulses(GATE)) == 1, 15, "the gate relay to pulse")

        def answered() -> bool:
            page.reload()
            return page.locator("#audit tr[data-action=pulse][data-state=ok]").count() == 1

        wait_until(answered, 15, "the kiosk's answer on the page", interval=0.3)
        row = page.locator("#audit tr[data-action=pulse]").inner_text()
        assert "tina" in row and "远程开闸" in row and "gate relay channel 0 pulsed for 400 ms" in row
        _no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / "kiosk-phone.png"), full_page=True)
        assert (tmp_path / "kiosk-phone.png").stat().st_size > 10_000
    finally:
        ctx.close()
    [audit] = remote.history(srv.central, rig.kiosk_id)
    assert (audit.action, audit.requested_by, audit.state) == ("pulse", "tina", "ok")
    assert len(relay.pulses(GATE)) == 1

    ctx = _context(chromium)
    try:
        page = ctx.new_page()
        _log_in(page, srv.base, "rita", path)
        assert page.locator("section[data-device=relay]").count() == 1
        assert page.locator("#ask-pulse").count() == 0
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        r = page.request.post(srv.base + path + "/actions", form={"action": "pulse", "csrf_token": csrf},
                              max_redirects=0)
        assert r.status == 403
    finally:
        ctx.close()
    assert len(remote.history(srv.central, rig.kiosk_id)) == 1
    assert len(relay.pulses(GATE)) == 1
