"""The console in real Chromium: a receptionist logs in, a visitor registered by a kiosk (over
the real API) appears without a reload, is approved with a click, and the kiosk's long-poll
receives a pass whose Ed25519 signature verifies with the published keys."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from lobby_core import passes
from tests.fixtures.central import CentralServer
from tests.integration.console.support import PASSWORD, create_visit, resident_id

SCREENSHOT_COPY = os.environ.get("CONSOLE_SCREENSHOT")  # e.g. /tmp/pending.png, to look at it


@pytest.fixture
def page(chromium: Any, central_sqlite_server: CentralServer) -> Any:
    ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    ctx.set_default_timeout(10_000)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def _log_in(page: Any, srv: CentralServer, user: str) -> None:
    page.goto(srv.url("/console/pending"))
    assert "/login?next=/console/pending" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/pending")


def _long_poll(srv: CentralServer, kiosk: requests.Session, after: int, out: list[dict[str, Any]]) -> None:
    r = kiosk.get(srv.url("/api/v1/updates"), params={"after": after, "wait": 25}, timeout=40)
    out.append(r.json())


def test_visitor_appears_live_and_approval_reaches_the_kiosk_as_a_signed_pass(
    page: Any, central_sqlite_server: CentralServer, tmp_path: Path
) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    kiosk = srv.kiosk_session(srv.add_kiosk("大堂 1 号机"))
    _log_in(page, srv, "rita")
    assert page.locator("#pending-rows tr.empty").count() == 1
    page.evaluate("window.__noReload = 42")  # lost if the page reloads

    cursor = kiosk.get(srv.url("/api/v1/updates"), params={"after": 0}).json()["next_cursor"]
    number = resident_id(5)
    vid = create_visit(
        srv, kiosk, name="王小明", host="A 座 1203", purpose="送文件", id_number=number, party_size=2
    )
    row = page.locator(f"#visit-{vid}")
    row.wait_for(state="visible")
    assert page.evaluate("window.__noReload") == 42
    assert "王小明" in row.inner_text() and number not in page.content()
    assert page.locator("#pending-count").inner_text() == "1"
    shot = tmp_path / "pending.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if SCREENSHOT_COPY:
        shutil.copy(shot, SCREENSHOT_COPY)

    got: list[dict[str, Any]] = []
    waiter = threading.Thread(target=_long_poll, args=(srv, kiosk, cursor, got))
    waiter.start()
    row.locator("button.approve").click()
    page.wait_for_url("**/console/pending?done=approved*")
    assert page.locator(f"#visit-{vid}").count() == 0
    waiter.join(30)
    assert got, "the kiosk's long-poll did not answer"
    decision = next(i["payload"] for i in got[0]["items"] if i["kind"] == "decision")
    assert (decision["visit_id"], decision["status"]) == (vid, "approved")
    published = kiosk.get(srv.url("/api/v1/keys")).json()
    claims = passes.decode_pass(
        decision["pass"]["text"],
        passes.TrustedKeys.from_published(published["keys"]),
        passes.FacilityTable.from_list(published["facilities"]),
    )
    assert claims.visit_id == vid and claims.pass_id == decision["pass"]["pass_id"]
    tampered = decision["pass"]["text"][:-3] + ("A" if decision["pass"]["text"][-3] != "A" else "B") + "AA"
    with pytest.raises(passes.PassError):
        passes.decode_pass(tampered, passes.TrustedKeys.from_published(published["keys"]))


def test_deny_with_a_reason_tells_the_kiosk(page: Any, central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    kiosk = srv.kiosk_session(srv.add_kiosk())
    _log_in(page, srv, "rita")
    vid = create_visit(srv, kiosk, name="李四")
    row = page.locator(f"#visit-{vid}")
    row.wait_for(state="visible")
    row.locator("button.deny").click()  # empty reason: the browser refuses to submit
    assert page.locator(f"#visit-{vid}").count() == 1 and "done=" not in page.url
    row.locator("input[name=reason]").fill("被访人不在")
    row.locator("button.deny").click()
    page.wait_for_url("**/console/pending?done=denied*")
    assert "已拒绝" in page.locator("p.flash").inner_text()
    status = kiosk.get(srv.url(f"/api/v1/visits/{vid}")).json()
    assert (status["status"], status["deny_reason"]) == ("denied", "被访人不在")


def test_wrong_password_then_english_and_a_page_the_role_may_not_open(
    page: Any, central_sqlite_server: CentralServer
) -> None:
    srv = central_sqlite_server
    srv.add_user("tom", "technician")
    page.goto(srv.url("/login"))
    page.fill("input[name=username]", "tom")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator("p.error").inner_text()
    page.click("a[lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("input[name=username]", "tom")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/kiosks")
    assert [a.inner_text() for a in page.locator("nav a").all()] == ["Kiosks"]
    response = page.goto(srv.url("/console/pending"))
    assert response.status == 403 and "Your role may not open this page." in page.content()
