"""The entrance log and a member's page over real HTTP: kiosks post members' taps to /api/v1/events
as the sync worker does; reception filters them (local days, kiosk, member, outcome), reads each
refusal as the kiosk showed it, exports them as CSV a spreadsheet cannot run, and sees on a
member's page their last taps and whether they are valid today (an expired member never reads
"active"). Technicians see none of it."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from central.console import render
from central.services import kiosks, members
from tests.fixtures.central import CentralServer

from .support import login

HOSTILE = '=HYPERLINK("http://evil","x")'
MEMBERS_CSV = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "M1,欧阳小明,04A1B2C3,gym|pool,2026-01-01,2099-12-31,active,\n"
    "EXP1,王小二,04A1B2C4,gym,2025-01-01,2025-12-31,active,\n"
    "FRZ1,李四,04A1B2C5,gym,2026-01-01,2099-12-31,frozen,\n"
    'EVIL1,"=HYPERLINK(""http://evil"",""x"")",04A1B2C6,gym,2026-01-01,2099-12-31,active,\n'
).encode()
# 20:30 UTC on 1 March is 04:30 on 2 March in Shanghai (UTC+8 all year).
T0 = datetime(2026, 3, 1, 20, 30, 15, tzinfo=UTC)
_ROW = re.compile(r'<tr data-entrance="(\d+)"[^>]*>(.*?)</tr>', re.S)


def tap(member_no: str, at: datetime, outcome: str = "granted", reason: str | None = None,
        kind: str = "member_entry", facility: str = "gym",
        locker: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A member's tap as the kiosk's outbox sends it (kiosk.sync.outbox)."""
    e = {"event_id": str(uuid.uuid4()), "occurred_at": at.isoformat(), "kind": kind, "facility": facility,
         "member_no": member_no, "outcome": outcome}  # fmt: skip
    return e | ({"reason": reason} if reason else {}) | ({"locker": locker} if locker else {})


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The console shows Shanghai time (the server runs in this process)."""
    monkeypatch.setenv("CENTRAL_TIMEZONE", "Asia/Shanghai")
    render.console_zone.cache_clear()
    yield
    render.console_zone.cache_clear()


@pytest.fixture
def tapped(central_sqlite_server: CentralServer, shanghai: None) -> CentralServer:
    srv = central_sqlite_server
    for name, role in (("rita", "receptionist"), ("ada", "admin"), ("tom", "technician")):
        srv.add_user(name, role)
    assert not members.import_csv(srv.central, MEMBERS_CSV).errors
    gym, pool = (srv.kiosk_session(srv.add_kiosk(n)) for n in ("Gym gate", "Pool gate"))
    srv.kiosk_ids = {name: kid for kid, name in kiosks.names(srv.central)}  # type: ignore[attr-defined]
    batches = {
        gym: [
            tap("M1", T0, locker="A01"),
            tap("M1", T0 + timedelta(seconds=30), "denied", "anti_passback"),
            tap("FRZ1", T0 + timedelta(minutes=2), "denied", "frozen"),
            tap("EVIL1", T0 + timedelta(minutes=3), "denied", "moon_phase"),
            tap("M1", T0 - timedelta(days=3), "granted", "visit_used"),  # an earlier local day
            # A visitor's pass is no member tap: never listed here.
            {"event_id": str(uuid.uuid4()), "occurred_at": T0.isoformat(), "kind": "visitor_entry",
             "facility": "gym", "pass_id": 77, "outcome": "granted"},
        ],
        pool: [
            tap("EXP1", T0 + timedelta(minutes=1), "denied", "expired", facility="pool"),
            tap("M1", T0 + timedelta(minutes=4), kind="member_exit", facility="pool"),
            tap("NOBODY", T0 + timedelta(minutes=5), "denied", "unknown_card", facility="pool"),
        ],
    }
    for k, events in batches.items():
        r = k.post(srv.url("/api/v1/events"), json={"events": events}, timeout=10)
        assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text
    return srv


def rows(html: str) -> list[str]:
    return [body for _, body in _ROW.findall(html)]


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def get(s: requests.Session, srv: CentralServer, path: str, **params: str) -> requests.Response:
    return s.get(srv.url(path), params=params, timeout=10)


def test_reception_reads_why_a_member_was_refused(tapped: CentralServer) -> None:
    srv = tapped
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    page = get(rita, srv, "/console/entrances")
    assert page.status_code == 200
    found = [cells(r) for r in rows(page.text)]
    assert len(found) == 8 and "8 taps" in page.text  # the visitor's pass is not a member tap
    # Newest first, in Shanghai time, with the kiosk, the member and the refusal in the kiosk's words.
    assert found[0] == ["2026-03-02 04:35:15", "Pool gate", "Entry", "NOBODY", "", "pool",
                        "This card is not recognised. Please ask at reception.", ""]  # fmt: skip
    assert found[1] == ["2026-03-02 04:34:15", "Pool gate", "Exit", "M1", "欧阳*明", "pool", "Granted", ""]
    assert found[2][3:] == ["EVIL1", "=****************************", "gym", "Refused (moon_phase)", ""]
    assert found[3][3:] == ["FRZ1", "李*", "gym",
                            "Your membership is frozen. To resume it, please see reception.", ""]  # fmt: skip
    expired = "Your membership has expired. Please renew at reception."
    assert found[4][3:] == ["EXP1", "王*二", "pool", expired, ""]
    assert found[5][0] == "2026-03-02 04:30:45"
    assert found[5][6].startswith("This card was just used to enter.")
    assert found[6] == ["2026-03-02 04:30:15", "Gym gate", "Entry", "M1", "欧阳*明", "gym", "Granted", "A01"]
    assert found[7] == ["2026-02-27 04:30:15", "Gym gate", "Entry", "M1", "欧阳*明", "gym",
                        "Granted (one visit used)", ""]  # fmt: skip
    assert "欧阳小明" not in page.text and HOSTILE not in page.text  # names are masked
    assert 'href="/console/members/view?no=M1"' in page.text

    zh = get(login(srv, "rita", **{"Accept-Language": "zh-CN"}), srv, "/console/entrances").text
    assert "刷卡记录" in zh and "您的会员资格已冻结。如需恢复，请到前台办理解冻。" in zh


def test_filters(tapped: CentralServer) -> None:
    srv = tapped
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    ids = {name: str(kid) for name, kid in srv.kiosk_ids.items()}  # type: ignore[attr-defined]

    def members_of(**params: str) -> list[str]:
        r = get(rita, srv, "/console/entrances", **params)
        assert r.status_code == 200, r.text[:300]
        return [cells(row)[3] for row in rows(r.text)]

    assert members_of(member="M1") == ["M1"] * 4
    assert members_of(member="M") == []  # exact, not a prefix
    assert members_of(outcome="denied") == ["NOBODY", "EVIL1", "FRZ1", "EXP1", "M1"]
    assert members_of(outcome="granted", member="M1") == ["M1"] * 3
    assert members_of(kiosk=ids["Pool gate"]) == ["NOBODY", "M1", "EXP1"]
    # Local days: 20:30 UTC on 1 March is 2 March in Shanghai.
    assert len(members_of(**{"from": "2026-03-02", "to": "2026-03-02"})) == 7
    assert members_of(**{"from": "2026-03-01", "to": "2026-03-01"}) == []
    assert members_of(**{"to": "2026-02-27"}) == ["M1"]
    # Local midnight belongs to the next day only.
    midnight = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 00:00 on 3 March in Shanghai
    gate = srv.kiosk_session(srv.add_kiosk("Late gate"))
    r = gate.post(srv.url("/api/v1/events"), json={"events": [tap("LATE1", midnight)]}, timeout=10)
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert "LATE1" not in members_of(**{"from": "2026-03-02", "to": "2026-03-02"})
    assert members_of(**{"from": "2026-03-03", "to": "2026-03-03"}) == ["LATE1"]
    for bad in ({"outcome": "<script>"}, {"kiosk": "x"}, {"from": "2026-02-30"}, {"member": "x" * 40}):
        r = get(rita, srv, "/console/entrances", **bad)
        assert r.status_code == 422 and "<script>" not in r.text and rows(r.text) == [], bad
        assert get(rita, srv, "/console/entrances.csv", **bad).status_code == 422


def test_csv_export_is_filtered_and_safe_with_a_hostile_name(tapped: CentralServer) -> None:
    srv = tapped
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    r = get(rita, srv, "/console/entrances.csv", outcome="denied")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="entrances-')
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *body = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert header == ["Time", "Kiosk", "Direction", "Member no.", "Name", "Facility", "Outcome", "Locker"]
    assert [row[3] for row in body] == ["NOBODY", "EVIL1", "FRZ1", "EXP1", "M1"]
    evil = body[1]
    assert evil[4] == "'=****************************" and HOSTILE not in text
    for row in body:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row), row
    assert body[3][0] == "2026-03-02 04:31:15" and body[3][6].startswith("Your membership has expired.")
    granted = get(rita, srv, "/console/entrances.csv", outcome="granted").content.decode("utf-8")
    assert [row[7] for row in csv.reader(io.StringIO(granted[1:], newline=""))][1:] == ["", "A01", ""]
    zh = rita.get(srv.url("/console/entrances.csv"), params={"member": "FRZ1"},
                  headers={"Accept-Language": "zh-CN"}, timeout=10)  # fmt: skip
    assert "您的会员资格已冻结" in zh.content.decode("utf-8")


def standing_of(html: str) -> str:
    m = re.search(r'id="member-standing"[^>]*>(.*?)<', html)
    assert m, "no standing on the page"
    return m.group(1)


def test_member_page_shows_validity_today_and_last_taps(tapped: CentralServer) -> None:
    srv = tapped
    rita = login(srv, "rita", **{"Accept-Language": "en"})
    listing = get(rita, srv, "/console/members").text
    assert 'href="/console/members/view?no=EXP1"' in listing
    exp_row = re.search(r'<tr data-member="EXP1">(.*?)</tr>', listing, re.S)
    assert exp_row and "expired" in cells(exp_row.group(1)) and "active" not in cells(exp_row.group(1))

    exp = get(rita, srv, "/console/members/view", no="EXP1")
    assert exp.status_code == 200
    assert standing_of(exp.text) == "expired"  # stored "active", but past valid_until
    expired = "Your membership has expired. Please renew at reception."
    assert [cells(r)[4] for r in rows(exp.text)] == [expired]
    assert standing_of(get(rita, srv, "/console/members/view", no="FRZ1").text) == "frozen"
    m1 = get(rita, srv, "/console/members/view", no="M1")
    assert standing_of(m1.text) == "active"
    assert [cells(r)[2] for r in rows(m1.text)] == ["Exit", "Entry", "Entry", "Entry"]
    zh = get(login(srv, "rita", **{"Accept-Language": "zh-CN"}), srv, "/console/members/view", no="EXP1")
    assert standing_of(zh.text) == "已过期"
    assert get(rita, srv, "/console/members/view", no="NOBODY").status_code == 404
    assert get(rita, srv, "/console/members/view", no="x" * 40).status_code == 422


def test_technician_sees_no_taps(tapped: CentralServer) -> None:
    srv = tapped
    tom = login(srv, "tom")
    for path in ("/console/entrances", "/console/entrances.csv", "/console/members/view?no=M1"):
        assert tom.get(srv.url(path), timeout=10).status_code == 403, path
    assert "/console/entrances" not in tom.get(srv.url("/console/kiosks"), timeout=10).text
    r = requests.get(srv.url("/console/entrances?member=M1"), allow_redirects=False, timeout=10)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/console/entrances%3Fmember%3DM1")
