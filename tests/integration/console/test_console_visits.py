"""Visitor pages over real HTTP: the pending list's long-poll, approve / deny, the on-site roll
call and check-out (gate, desk, the nightly auto close), the visit log's filters (SQLite and
PostgreSQL), its CSV export, and ID masking."""

from __future__ import annotations

import base64
import csv
import io
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import update

from central.console.render import console_zone
from central.models import Visit
from central.services import kiosks as kiosk_service
from central.services import visits
from lobby_core import passes
from lobby_core.passes.keys import public_key_to_raw
from tests.fixtures.central import CentralServer, start_central_server, wait_until

from .support import create_visit, csrf_of, login, resident_id, session_csrf, visit_body


@pytest.fixture
def desk(central_sqlite_server: CentralServer) -> tuple[CentralServer, requests.Session, requests.Session]:
    """(server, kiosk API session, logged-in receptionist)."""
    srv = central_sqlite_server
    srv.add_user("rita", "receptionist")
    return srv, srv.kiosk_session(srv.add_kiosk("Lobby A")), login(srv, "rita")


def _live(srv: CentralServer, s: requests.Session, fp: str, wait: float) -> dict[str, Any]:
    r = s.get(srv.url("/console/pending/live"), params={"fp": fp, "wait": wait}, timeout=wait + 10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_live_request_answers_when_a_visitor_arrives_and_leaves(desk: Any) -> None:
    srv, kiosk, rita = desk
    first = _live(srv, rita, "", 0)
    assert first["count"] == 0 and "visit-" not in first["html"]
    answers: list[dict[str, Any]] = []
    waiter = threading.Thread(target=lambda: answers.append(_live(srv, rita, first["fp"], 20)))
    waiter.start()
    vid = create_visit(srv, kiosk, name="王小明", host="C-0505")
    waiter.join(25)
    assert answers, "the live request did not answer"
    got = answers[0]
    assert got["count"] == 1 and got["fp"] != first["fp"]
    assert f'id="visit-{vid}"' in got["html"] and "王小明" in got["html"] and "C-0505" in got["html"]
    # Unchanged list: a zero wait answers at once with the same fingerprint.
    assert _live(srv, rita, got["fp"], 0)["fp"] == got["fp"]

    answers.clear()
    waiter = threading.Thread(target=lambda: answers.append(_live(srv, rita, got["fp"], 20)))
    waiter.start()
    token = csrf_of(rita.get(srv.url("/console/pending")).text)
    reason = {"csrf_token": token, "reason": "Host not available"}
    r = rita.post(srv.url(f"/console/visits/{vid}/deny"), data=reason, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/console/pending?done=denied&n={vid}")
    waiter.join(25)
    assert answers and answers[0]["count"] == 0 and f"visit-{vid}" not in answers[0]["html"]
    status = kiosk.get(srv.url(f"/api/v1/visits/{vid}")).json()
    assert (status["status"], status["deny_reason"]) == ("denied", "Host not available")


def test_deny_needs_a_reason_and_a_decided_visit_cannot_be_decided_again(desk: Any) -> None:
    srv, kiosk, rita = desk
    vid = create_visit(srv, kiosk)
    token = session_csrf(srv, rita)
    for reason in ("", "   ", "x" * 201):
        r = rita.post(srv.url(f"/console/visits/{vid}/deny"), data={"csrf_token": token, "reason": reason})
        assert (
            r.status_code == 200
            and "Give a reason to deny a visit" in r.text
            or "拒绝访客须填写原因" in r.text
        )
    assert kiosk.get(srv.url(f"/api/v1/visits/{vid}")).json()["status"] == "pending"
    r = rita.post(
        srv.url(f"/console/visits/{vid}/approve"), data={"csrf_token": token}, allow_redirects=False
    )
    assert r.headers["location"].endswith("done=approved&n=" + str(vid))
    r = rita.post(srv.url(f"/console/visits/{vid}/deny"), data={"csrf_token": token, "reason": "late"})
    assert "已被处理" in r.text  # already decided: said plainly, nothing changed
    assert kiosk.get(srv.url(f"/api/v1/visits/{vid}")).json()["status"] == "approved"


def test_on_site_lists_who_entered_and_has_not_left(desk: Any) -> None:
    srv, kiosk, rita = desk
    token = session_csrf(srv, rita)
    ids = [create_visit(srv, kiosk, name=n, id_number=resident_id(i), party_size=i) for i, n in
           enumerate(("甲一", "乙二", "丙三"), start=1)]  # fmt: skip
    for vid in ids:
        rita.post(srv.url(f"/console/visits/{vid}/approve"), data={"csrf_token": token})
    now = datetime.now(UTC).isoformat()

    def event(kind: str, vid: int) -> dict[str, Any]:
        pass_id = kiosk.get(srv.url(f"/api/v1/visits/{vid}")).json()["pass"]["pass_id"]
        return {"event_id": str(uuid.uuid4()), "occurred_at": now, "kind": kind, "visit_id": vid,
                "pass_id": pass_id}

    batch = [event("visitor_entry", ids[0]), event("visitor_entry", ids[1]), event("visitor_exit", ids[1])]
    assert kiosk.post(srv.url("/api/v1/events"), json={"events": batch}).status_code == 200
    page = rita.get(srv.url("/console/onsite"), headers={"Accept-Language": "en"}).text
    assert "甲一" in page and "乙二" not in page and "丙三" not in page
    assert "1 visits, 1 people" in page
    assert 'href="/console/static/print.css" media="print"' in page
    css = rita.get(srv.url("/console/static/print.css"))
    assert css.status_code == 200 and "header.top" in css.text


@pytest.fixture
def night_desk(central_sqlite_url: str, tmp_path: Path) -> Iterator[tuple[CentralServer, datetime]]:
    """A server running its jobs, whose auto check-out cut-off was a minute or two ago (local)."""
    cut = datetime.now(console_zone()).replace(second=0, microsecond=0) - timedelta(minutes=1)
    srv = start_central_server(central_sqlite_url, tmp_path / "data", run_jobs=True,
                               auto_checkout_at=cut.time(), housekeeping_interval=timedelta(seconds=0.2))
    try:
        yield srv, cut
    finally:
        srv.stop()


def test_the_roll_call_through_entry_exit_desk_and_night(night_desk: tuple[CentralServer, datetime]) -> None:
    srv, cut = night_desk
    srv.add_user("rita", "receptionist")
    kiosk = srv.kiosk_session(srv.add_kiosk("Lobby A"))
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    token = session_csrf(srv, rita)
    names = ("出口甲", "前台乙", "深夜丙")
    a, b, c = (create_visit(srv, kiosk, name=n, id_number=resident_id(i)) for i, n in enumerate(names, 1))
    passes: dict[int, int] = {}
    for vid in (a, b, c):
        rita.post(srv.url(f"/console/visits/{vid}/approve"), data={"csrf_token": token})
        passes[vid] = kiosk.get(srv.url(f"/api/v1/visits/{vid}")).json()["pass"]["pass_id"]

    def passage(kind: str, vid: int, at: datetime) -> None:
        item = {"event_id": str(uuid.uuid4()), "occurred_at": at.isoformat(), "kind": kind,
                "visit_id": vid, "pass_id": passes[vid], "outcome": "granted"}
        assert kiosk.post(srv.url("/api/v1/events"), json={"events": [item]}).status_code == 200

    def on_site() -> str:
        r = rita.get(srv.url("/console/onsite"))
        assert r.status_code == 200
        return r.text

    now = datetime.now(UTC)
    passage("visitor_entry", a, now - timedelta(seconds=10))  # after the cut-off: the job leaves them
    passage("visitor_entry", b, now - timedelta(seconds=10))
    page = on_site()
    assert names[0] in page and names[1] in page and "2 visits, 2 people" in page
    assert all(f'action="/console/visits/{v}/checkout"' in page for v in (a, b))

    passage("visitor_exit", a, now - timedelta(seconds=5))  # the slip at the exit kiosk
    page = on_site()
    assert names[0] not in page and names[1] in page

    # Reception's check-out: CSRF like every console action, then who and when.
    r = rita.post(srv.url(f"/console/visits/{b}/checkout"), data={}, allow_redirects=False)
    assert r.status_code == 403 and names[1] in on_site()
    r = rita.post(srv.url(f"/console/visits/{b}/checkout"), data={"csrf_token": token}, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/console/onsite?done=checked_out&n={b}")
    page = rita.get(srv.url(r.headers["location"])).text
    assert f"Visit #{b} checked out." in page and names[1] not in page and "0 visits, 0 people" in page
    r = rita.post(srv.url(f"/console/visits/{b}/checkout"), data={"csrf_token": token}, allow_redirects=False)
    assert r.headers["location"] == f"/console/onsite?done=not_on_site&n={b}"

    # In before the cut-off and never out: the nightly job closes the visit and marks it.
    passage("visitor_entry", c, cut - timedelta(minutes=1))
    wait_until(lambda: _row(srv, c).checkout_kind is not None, 10, "the auto check-out job")
    assert names[2] not in on_site()
    closed = _row(srv, c)
    assert (closed.checkout_kind, closed.checked_out_at) == (visits.CHECKOUT_AUTO, cut.astimezone(UTC))
    assert _row(srv, a).checked_out_at is not None and _row(srv, a).checkout_kind == visits.CHECKOUT_GATE

    log = rita.get(srv.url("/console/log")).text
    row_re = r'<tr class="status-\w+">\s*<td>(\d+)</td>(.*?)</tr>'
    rows = {int(m[0]): m[1] for m in re.findall(row_re, log, re.S)}
    assert "(closed automatically)" in rows[c] and "(checked out by rita)" not in rows[c]
    assert "(checked out by rita)" in rows[b] and "(closed automatically)" not in rows[b]
    assert "(closed" not in rows[a] and "(checked out" not in rows[a]
    text = rita.get(srv.url("/console/log.csv")).content.decode("utf-8")
    table = list(csv.reader(io.StringIO(text[1:])))
    by_id = {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert (by_id[str(a)]["Checked out"], by_id[str(a)]["Checked out by"]) == ("at the gate", "")
    assert (by_id[str(b)]["Checked out"], by_id[str(b)]["Checked out by"]) == ("by reception", "rita")
    assert (by_id[str(c)]["Checked out"], by_id[str(c)]["Checked out by"]) == ("closed automatically", "")
    zh = rita.get(srv.url("/console/log.csv"), headers={"Accept-Language": "zh-CN"}).content.decode()
    assert "系统自动签离" in zh and "前台签离" in zh


def _row(srv: CentralServer, visit_id: int) -> visits.VisitRow:
    rows, _ = visits.visit_log(srv.central)
    return next(r for r in rows if r.id == visit_id)


def test_visit_log_filters_on_each_backend(central_server: CentralServer) -> None:
    srv = central_server
    srv.add_user("rita", "receptionist")
    a = srv.kiosk_session(srv.add_kiosk("Lobby A"))
    b = srv.kiosk_session(srv.add_kiosk("Pool B"))
    v1 = create_visit(srv, a, host="A-1203", id_number=resident_id(1))
    v2 = create_visit(srv, a, host="B-0801", id_number=resident_id(2))
    v3 = create_visit(srv, b, host="A-1204", id_number=resident_id(3))
    v4 = create_visit(srv, b, host="100%_real", id_number=resident_id(4))
    old = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    with srv.central.db.writing() as s:
        s.execute(update(Visit).where(Visit.id == v1).values(created_at=old))
    rita = login(srv, "rita")
    token = session_csrf(srv, rita)
    rita.post(srv.url(f"/console/visits/{v2}/approve"), data={"csrf_token": token})
    kiosk_ids = {k.name: k.id for k in kiosk_service.list_kiosks(srv.central)}

    def ids(**params: str) -> list[int]:
        r = rita.get(srv.url("/console/log"), params=params)
        assert r.status_code == 200, r.text
        return [int(x) for x in re.findall(r'<tr class="status-\w+">\s*<td>(\d+)</td>', r.text)]

    assert ids() == [v4, v3, v2, v1]  # newest first
    assert ids(host="A-120") == [v3, v1]
    assert ids(host="%") == [v4] and ids(host="_") == [v4]  # LIKE wildcards are literal
    assert ids(kiosk=str(kiosk_ids["Pool B"])) == [v4, v3]
    assert ids(status="approved") == [v2]
    assert ids(status="pending", kiosk=str(kiosk_ids["Lobby A"])) == [v1]
    assert ids(**{"from": "2026-01-15", "to": "2026-01-15"}) == [v1]
    assert ids(**{"to": "2026-01-14"}) == []
    for bad in ({"from": "15/01/2026"}, {"status": "nope"}, {"kiosk": "x"}, {"page": "0"},
                {"from": "2026-02-01", "to": "2026-01-01"}):  # fmt: skip
        assert rita.get(srv.url("/console/log"), params=bad).status_code == 422, bad
        assert rita.get(srv.url("/console/log.csv"), params=bad).status_code == 422, bad


def test_csv_export_escapes_formulas_and_never_holds_an_id_number(desk: Any) -> None:
    srv, kiosk, rita = desk
    hostile = {
        "name": '=HYPERLINK("http://evil","x")',
        "host": "+86-1203",
        "purpose": "-2+3",
    }
    number = resident_id(7)
    vid = create_visit(srv, kiosk, id_number=number, **hostile)
    create_visit(srv, kiosk, name="@SUM(A1)", host="@home", purpose="plain", id_number=resident_id(8))
    r = rita.get(srv.url("/console/log.csv"), headers={"Accept-Language": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Visit", "Registered", "Kiosk", "Status", "Name"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    mine = by_id[str(vid)]
    assert mine["Name"] == "'" + hostile["name"]
    assert mine["Host"] == "'+86-1203" and mine["Purpose"] == "'-2+3"
    other = next(row for key, row in by_id.items() if key != str(vid))
    assert other["Name"] == "'@SUM(A1)" and other["Host"] == "'@home" and other["Purpose"] == "plain"
    assert number not in text and mine["ID number"] == number[:3] + "*" * 11 + number[-4:]
    for row in body:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row), row
    zh = rita.get(srv.url("/console/log.csv"), headers={"Accept-Language": "zh-CN"}).content.decode()
    assert zh.splitlines()[0].startswith("\ufeff访问编号,登记时间,自助机")


def test_no_page_shows_an_id_number_unmasked(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("ada", "admin")
    kiosk = srv.kiosk_session(srv.add_kiosk("Lobby A"))
    numbers = [resident_id(11), resident_id(12), resident_id(13)]
    passport = "E12345678"
    for n in numbers:
        create_visit(srv, kiosk, id_number=n)
    create_visit(srv, kiosk, id_type="passport", id_number=passport, id_country="GBR", name="John Smith")
    ada = login(srv, "ada")
    token = session_csrf(srv, ada)
    blocked = resident_id(14)
    r = ada.post(srv.url("/console/blocklist"), data={"csrf_token": token, "id_type": "cn_ric",
                 "id_number": blocked, "reason": "trespass", "name": "赵六"})  # fmt: skip
    assert r.status_code == 200 and "trespass" in r.text
    create_visit(srv, kiosk, id_number=blocked)  # flagged on the pending page
    # A refused blocklist post must not echo the number back into the form.
    bad = blocked[:-1] + ("0" if blocked[-1] != "0" else "1")
    r = ada.post(srv.url("/console/blocklist"), data={"csrf_token": token, "id_type": "cn_ric",
                 "id_number": bad, "reason": "x"})  # fmt: skip
    assert r.status_code == 422 and "证件号码的校验位不正确" in r.text and bad not in r.text
    secrets_ = [*numbers, passport, blocked, bad]
    pages = ["/console/pending", "/console/pending/live?wait=0", "/console/onsite", "/console/log",
             "/console/log.csv", "/console/blocklist", "/console/invitations", "/console/members",
             "/console/kiosks", "/console/users"]  # fmt: skip
    seen = {}
    for path in pages:
        r = ada.get(srv.url(path))
        assert r.status_code == 200, path
        seen[path] = r.content.decode("utf-8")
    assert "在黑名单中" in seen["/console/pending"]
    for path, html in seen.items():
        for n in secrets_:
            assert n not in html and n.lower() not in html, (path, n)
        assert "110***********" in html or path not in ("/console/pending", "/console/log")


def _log_rows(html: str) -> dict[int, str]:
    """Visit id -> that row's HTML, from the visit log page."""
    rows = re.findall(r'<tr class="status-\w+">\s*<td>(\d+)</td>(.*?)</tr>', html, flags=re.S)
    return {int(vid): body for vid, body in rows}


def test_visit_log_shows_a_kiosk_approval_by_kiosk_and_receptionist(desk: Any) -> None:
    """A visit a kiosk approved with rita's PIN (its pass signed with the kiosk's own key) reads
    "Approved at kiosk Lobby A by rita"; one reception approved shows only who decided."""
    srv, kiosk, rita = desk
    published = kiosk.get(srv.url("/api/v1/keys"), timeout=10).json()
    taken = {k["key_id"] for k in published["keys"]}
    key = next(k for k in iter(passes.SigningKey.generate, None) if k.key_id not in taken)
    raw = base64.b64encode(public_key_to_raw(key.public_key)).decode()
    r = kiosk.post(srv.url("/api/v1/kiosk-key"), json={"public_key": raw}, timeout=10)
    assert r.status_code == 200, r.text
    now = datetime.now(UTC)
    text = passes.encode_pass(passes.PassClaims(
        pass_id=4242, visit_id=0, valid_from=now, valid_until=now + timedelta(hours=2),
        facilities=frozenset({"lobby"})), key, passes.FacilityTable.from_list(published["facilities"]))
    approval = {"approved_by": "rita", "approved_at": now.isoformat(), "pass_text": text}
    body = visit_body(id_number=resident_id(21), kiosk_approval=approval)
    r = kiosk.post(srv.url("/api/v1/visits"), json=body, timeout=10)
    assert r.status_code == 201, r.text
    at_kiosk = int(r.json()["visit_id"])
    assert kiosk.get(srv.url(f"/api/v1/visits/{at_kiosk}")).json()["status"] == "approved"
    at_desk = create_visit(srv, kiosk, id_number=resident_id(22))
    rita.post(srv.url(f"/console/visits/{at_desk}/approve"), data={"csrf_token": session_csrf(srv, rita)})

    en = _log_rows(rita.get(srv.url("/console/log"), headers={"Accept-Language": "en"}).text)
    assert "Approved at kiosk Lobby A by rita" in en[at_kiosk]
    assert "Approved at kiosk" not in en[at_desk] and "rita" in en[at_desk]
    zh = _log_rows(rita.get(srv.url("/console/log"), headers={"Accept-Language": "zh-CN"}).text)
    assert "由 rita 在自助机 Lobby A 批准" in zh[at_kiosk]
    assert "自助机 Lobby A 批准" not in zh[at_desk]
