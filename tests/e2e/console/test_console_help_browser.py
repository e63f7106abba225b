"""Help calls and user management in real Chromium: a help call from a kiosk appears on the
pending page without a reload, "I'm going" records who went; an admin disables a user with a
click and that user's open console stops working."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.central import CentralServer
from tests.integration.console.support import PASSWORD

SCREENSHOT_COPY = os.environ.get("HELP_SCREENSHOT")  # e.g. /tmp/help.png, to look at it


@pytest.fixture
def browser_ctx(chromium: Any) -> Any:
    ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


def _log_in(page: Any, srv: CentralServer, user: str, path: str) -> None:
    page.goto(srv.url(path))
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + path)


def test_a_help_call_shows_live_and_is_taken(browser_ctx: Any, central_sqlite_server: CentralServer,
                                             tmp_path: Path) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    kiosk = srv.kiosk_session(srv.add_kiosk("大堂 1 号机"))
    page = browser_ctx.new_page()
    _log_in(page, srv, "rita", "/console/pending")
    page.locator("#help-rows tr.empty").wait_for(state="attached")
    page.evaluate("window.__noReload = 7")
    call_id = kiosk.post(srv.url("/api/v1/help-calls"), timeout=10).json()["call_id"]
    row = page.locator(f"#help-{call_id}")
    row.wait_for(state="visible")
    assert page.evaluate("window.__noReload") == 7
    assert "大堂 1 号机" in row.inner_text() and page.locator("#help-count").inner_text() == "1"
    assert "calling" in (page.locator("#help-panel").get_attribute("class") or "")
    shot = tmp_path / "help.png"
    page.screenshot(path=str(shot), full_page=True)
    if SCREENSHOT_COPY:
        shutil.copy(shot, SCREENSHOT_COPY)
    row.locator("button[data-action=take]").click()
    page.wait_for_url("**/console/help?done=help_taken")
    assert page.locator(f"#help-{call_id}").count() == 0
    taken = page.locator("#help-taken").inner_text()
    assert "大堂 1 号机" in taken and "rita" in taken


def test_an_admin_disables_a_user_whose_console_then_stops(browser_ctx: Any,
                                                           central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("ada", "admin")
    srv.add_user("rita", "receptionist")
    rita = browser_ctx.browser.new_context(locale="en").new_page()
    _log_in(rita, srv, "rita", "/console/pending")
    admin = browser_ctx.new_page()
    _log_in(admin, srv, "ada", "/console/users")
    assert admin.locator("#user-ada button").count() == 0  # not on yourself
    admin.locator("#user-rita button[data-action=disable]").click()
    admin.wait_for_url("**/console/users?done=user_disabled")
    assert admin.locator("#user-rita button[data-action=enable]").count() == 1
    rita.reload()
    assert "/login" in rita.url
    rita.context.close()
