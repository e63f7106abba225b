"""Console pages beyond approvals over real HTTP: invitations and their signed QR, members
(CSV import with per-line errors, edit, delete), kiosk health with late kiosks, users."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import update

from central.models import Kiosk
from lobby_core import passes
from tests.fixtures.central import CentralServer

from .support import login, session_csrf


@pytest.fixture
def admin(central_sqlite_server: CentralServer) -> tuple[CentralServer, requests.Session, str]:
    srv = central_sqlite_server
    srv.add_user("ada", "admin")
    s = login(srv, "ada", **{"Accept-Language": "en"})
    return srv, s, session_csrf(srv, s)


def test_invitation_shows_a_signed_qr_that_kiosks_can_verify(admin: Any) -> None:
    srv, s, token = admin
    start = datetime.now().astimezone().replace(second=0, microsecond=0) + timedelta(hours=1)
    form = {
        "csrf_token": token,
        "visitor_name": "Li Si",
        "host": "B-0801",
        "valid_from": start.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "entries": "2",
    }
    r = s.post(srv.url("/console/invitations"), data=form, allow_redirects=False)
    assert r.status_code == 303 and re.fullmatch(r"/console/invitations/\d+", r.headers["location"])
    page = s.get(srv.url(r.headers["location"])).text
    assert "<svg" in page and "<path" in page and "<?xml" not in page
    text = re.search(r'<code class="qrtext" id="qr-text">([^<]+)</code>', page).group(1)  # type: ignore[union-attr]
    kiosk = srv.kiosk_session(srv.add_kiosk())
    published = kiosk.get(srv.url("/api/v1/keys")).json()
    claims = passes.decode_invitation(text, passes.TrustedKeys.from_published(published["keys"]))
    assert claims.invitation_id == int(r.headers["location"].rsplit("/", 1)[1])
    assert claims.valid_from == start.astimezone(UTC)
    assert claims.valid_until == (start + timedelta(hours=3)).astimezone(UTC)
    listing = s.get(srv.url("/console/invitations")).text
    assert "Li Si" in listing and "0 / 2" in listing

    bad = dict(form, valid_until=form["valid_from"])
    r = s.post(srv.url("/console/invitations"), data=bad)
    assert r.status_code == 422 and "the window must end after it starts" in r.text
    r = s.post(srv.url("/console/invitations"), data=dict(form, valid_from="tomorrow"))
    assert r.status_code == 422 and "Valid from: enter a date and time" in r.text
    r = s.post(srv.url("/console/invitations"), data=dict(form, entries="99"))
    assert r.status_code == 422 and "Entries: enter a whole number from 1 to 50" in r.text


CSV_FILE = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "M001,王芳,04A1B2C3,gym|pool,2026-01-01,2026-12-31,active,\n"
    "M002,李强,zz,gym,2026-01-01,2026-12-31,active,\n"
    "M003,Anna Müller,04:a1:b2:c4,gym,2026-01-01,2026-12-31,frozen,10\n"
    "M004,赵敏,,gym,2026-12-31,2026-01-01,active,\n"
)


def test_members_csv_import_reports_each_bad_line(admin: Any) -> None:
    srv, s, token = admin
    files = {"file": ("members.csv", CSV_FILE.encode(), "text/csv")}
    r = s.post(srv.url("/console/members/import"), data={"csrf_token": token}, files=files)
    assert r.status_code == 200, r.text
    assert "2 new, 0 changed, 0 unchanged, 2 rows refused" in r.text
    errors = re.findall(r"<li>(line \d+:[^<]*)</li>", r.text)
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 5"]
    assert "card UID" in errors[0] and "before valid_from" in errors[1]
    found = s.get(srv.url("/console/members"), params={"q": "M00"}).text
    assert "M001" in found and "M003" in found and "M002" not in found
    assert "04A1B2C3" not in found and "****B2C3" in found  # card UIDs masked in the list

    r = s.post(srv.url("/console/members/import"), data={"csrf_token": token},
               files={"file": ("m.csv", b"\xff\xfe\x00bad", "text/csv")})  # fmt: skip
    assert r.status_code == 422 and "not a text file" in r.text
    r = s.post(srv.url("/console/members/import"), data={"csrf_token": token},
               files={"file": ("m.csv", b"name,member_no\nx,y\n", "text/csv")})  # fmt: skip
    assert r.status_code == 422 and "bad header" in r.text


def test_member_edit_uses_the_csv_rules(admin: Any) -> None:
    srv, s, token = admin
    member = {
        "csrf_token": token, "member_no": "M100", "name": "陈静", "card_uid": "04 A1 B2 C9",
        "facilities": "gym", "valid_from": "2026-01-01", "valid_until": "2026-06-30",
        "status": "active", "visits_remaining": "",
    }  # fmt: skip
    r = s.post(srv.url("/console/members/save"), data=member, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/members?done=saved")
    edit = s.get(srv.url("/console/members/edit"), params={"no": "M100"}).text
    assert 'value="04A1B2C9"' in edit and 'value="2026-06-30"' in edit
    r = s.post(srv.url("/console/members/save"), data=dict(member, visits_remaining="-3", existing="1"))
    assert r.status_code == 422 and "visits_remaining" in r.text
    r = s.post(srv.url("/console/members/save"), data=dict(member, member_no="M101"))
    assert r.status_code == 422 and "belongs to member M100" in r.text  # the card is taken
    r = s.post(srv.url("/console/members/delete"), data={"csrf_token": token, "member_no": "M100"})
    assert r.status_code == 200 and "Deleted." in r.text and "M100" not in r.text
    assert s.get(srv.url("/console/members/edit"), params={"no": "M100"}).status_code == 404


def test_kiosks_page_shows_health_and_marks_late_kiosks(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("tom", "technician")
    fresh = srv.kiosk_session(srv.add_kiosk("Gym gate"))
    stale = srv.kiosk_session(srv.add_kiosk("Pool gate"))
    for k, depth in ((fresh, 3), (stale, 120)):
        beat = {
            "sent_at": datetime.now(UTC).isoformat(),
            "versions": {"kiosk": "0.1.0"},
            "devices": [
                {"name": "printer", "kind": "printer", "state": "degraded", "reason": "paper low"},
                {"name": "card_reader", "kind": "card_reader", "state": "ok", "reason": ""},
                {"name": "locker_relay", "kind": "locker_relay", "state": "down", "reason": "no answer"},
            ][: 2 if k is fresh else 3],
            "outbox_depth": depth,
        }
        assert k.post(srv.url("/api/v1/heartbeat"), json=beat).status_code == 200
    with srv.central.db.writing() as s:
        s.execute(
            update(Kiosk)
            .where(Kiosk.name == "Pool gate")
            .values(last_heartbeat_at=datetime.now(UTC) - timedelta(minutes=10))
        )
    tom = login(srv, "tom", **{"Accept-Language": "en"})
    page = tom.get(srv.url("/console/kiosks")).text
    rows = dict(re.findall(r'<tr class="([\w ]*)" data-kiosk="([^"]+)">', page)[i][::-1] for i in range(2))
    # A warning is not red; a late heartbeat is, and so is a failing device.
    assert rows == {"Gym gate": "", "Pool gate": "late failing"}
    assert "Slip printer: warning — paper low" in page and "Card reader: passed" in page
    assert "locker_relay: failed — no answer" in page  # a device beyond the five, by its name
    assert re.search(r'data-kiosk="Pool gate">.*?<td class="num">120</td>', page, re.S)


def test_admin_adds_users_and_the_new_user_can_log_in(admin: Any) -> None:
    srv, s, token = admin
    form = {"csrf_token": token, "username": "rita", "role": "receptionist", "password": "  spaced pass  "}
    r = s.post(srv.url("/console/users"), data=form, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/users?done=added")
    assert login(srv, "rita", "  spaced pass  ").get(srv.url("/console/pending")).status_code == 200
    r = s.post(srv.url("/console/users"), data=form)
    assert r.status_code == 422 and "This user name is taken." in r.text
    assert "spaced pass" not in r.text  # the password is never put back into the form
    r = s.post(srv.url("/console/users"), data=dict(form, username="x y", password="short"))
    assert r.status_code == 422
