"""Remote diagnostics on a real central (uvicorn, SQLite and PostgreSQL): the heartbeat's report
is stored and shown per device, translated and in the property's zone; a technician's request
reaches the kiosk's long-poll, is answered by that kiosk only, and is kept with who asked; a
receptionist can neither ask nor download a bundle; hostile bodies get named errors."""

from __future__ import annotations

import io
import re
import socket
import tarfile
import urllib.parse
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from central.console import render
from central.models import KioskAction, KioskBundle
from central.services import kiosks, remote
from lobby_core.diagnostics import Report
from tests.fixtures.central import CentralServer
from tests.integration.console.support import csrf_of, login


def _kiosk(srv: CentralServer, name: str = "大堂 1 号机") -> tuple[int, requests.Session]:
    token = srv.add_kiosk(name)
    found = kiosks.identify(srv.central, token)
    assert found is not None
    return found[0], srv.kiosk_session(token)


def _ask(srv: CentralServer, s: requests.Session, kiosk_id: int, action: str) -> requests.Response:
    csrf = csrf_of(s.get(srv.url(f"/console/kiosks/{kiosk_id}"), timeout=10).text)
    return s.post(srv.url(f"/console/kiosks/{kiosk_id}/actions"),
                  data={"action": action, "csrf_token": csrf}, allow_redirects=False, timeout=10)


def _actions(srv: CentralServer) -> list[KioskAction]:
    with srv.central.db.reading() as s:
        return list(s.query(KioskAction).order_by(KioskAction.id))


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _beat(**extra: Any) -> dict[str, Any]:
    return {"sent_at": datetime.now(UTC).isoformat(), "versions": {"kiosk": "0.1"},
            "devices": [{"name": "relay", "kind": "relay", "state": "ok", "reason": "sim"}],
            "outbox_depth": 0, **extra}


def _report(*checks: dict[str, Any]) -> dict[str, Any]:
    return {"status": "fail", "at": "2026-12-01T06:00:00+00:00", "running": True, "checks": list(checks)}


def _check(id: str, group: str, status: str, summary: str, hint: str = "") -> dict[str, Any]:
    return {"id": id, "group": group, "status": status, "code": "", "summary": summary, "hint": hint,
            "params": {}}


def test_a_technicians_pulse_reaches_the_kiosk_and_is_audited(central_server: CentralServer) -> None:
    srv = central_server
    srv.add_user("tina", "technician")
    kid, kiosk = _kiosk(srv)
    cursor = kiosk.get(srv.url("/api/v1/updates"), params={"after": 0}, timeout=10).json()["next_cursor"]
    tech = login(srv, "tina")
    r = _ask(srv, tech, kid, "pulse")
    assert r.status_code == 303 and r.headers["location"] == f"/console/kiosks/{kid}?done=asked"

    page = kiosk.get(srv.url("/api/v1/updates"), params={"after": cursor, "wait": 10}, timeout=20).json()
    [item] = page["items"]
    assert item["kind"] == "action"
    assert item["payload"]["action"] == "pulse" and item["payload"]["requested_by"] == "tina"
    action_id = item["payload"]["id"]
    assert datetime.fromisoformat(item["payload"]["expires_at"]) > datetime.now(UTC)
    shown = tech.get(srv.url(f"/console/kiosks/{kid}"), headers={"Accept-Language": "en"}, timeout=10).text
    assert 'data-state="waiting"' in shown
    assert '<meta http-equiv="refresh" content="3">' in shown  # the answer shows within seconds

    r = kiosk.post(srv.url(f"/api/v1/actions/{action_id}/result"),
                   json={"ok": True, "detail": "gate pulsed on channel 0 for 400 ms"}, timeout=10)
    assert r.status_code == 200, r.text
    [row] = remote.history(srv.central, kid)
    assert (row.action, row.requested_by, row.state) == ("pulse", "tina", "ok")
    assert row.detail == "gate pulsed on channel 0 for 400 ms" and row.finished_at is not None
    shown = tech.get(srv.url(f"/console/kiosks/{kid}"), timeout=10).text
    assert 'data-action="pulse" data-state="ok"' in shown and "tina" in shown
    assert "gate pulsed on channel 0 for 400 ms" in shown
    assert '<meta http-equiv="refresh" content="15">' in shown


@pytest.mark.parametrize("role", ["receptionist"])
def test_a_receptionist_cannot_ask_a_kiosk_anything(central_sqlite_server: CentralServer, role: str) -> None:
    srv = central_sqlite_server
    srv.add_user("rita", role)
    kid, _kiosk_s = _kiosk(srv)
    s = login(srv, "rita")
    page = s.get(srv.url(f"/console/kiosks/{kid}"), timeout=10)
    assert page.status_code == 200  # kiosk health is for everyone...
    assert 'id="ask-pulse"' not in page.text  # ...asking is not
    for action in remote.ACTIONS:
        r = _ask(srv, s, kid, action)
        assert r.status_code == 403
    assert _actions(srv) == []


def test_an_admin_may_ask_and_a_double_click_is_one_request(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("ada", "admin")
    kid, _k = _kiosk(srv)
    s = login(srv, "ada")
    assert _ask(srv, s, kid, "pulse").headers["location"].endswith("done=asked")
    assert _ask(srv, s, kid, "pulse").headers["location"].endswith("done=waiting")
    assert _ask(srv, s, kid, "print_test").headers["location"].endswith("done=asked")
    assert [(a.action, a.requested_by) for a in _actions(srv)] == [("pulse", "ada"), ("print_test", "ada")]
    # An unknown action or a forged request without the session's token changes nothing.
    csrf = csrf_of(s.get(srv.url(f"/console/kiosks/{kid}"), timeout=10).text)
    r = s.post(srv.url(f"/console/kiosks/{kid}/actions"), data={"action": "reboot", "csrf_token": csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 404
    r = s.post(srv.url(f"/console/kiosks/{kid}/actions"), data={"action": "bundle"},
               allow_redirects=False, timeout=10)
    assert r.status_code == 403
    assert len(_actions(srv)) == 2


def test_a_revoked_kiosk_cannot_be_asked(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("tina", "technician")
    kid, _k = _kiosk(srv)
    s = login(srv, "tina")
    csrf = csrf_of(s.get(srv.url(f"/console/kiosks/{kid}"), timeout=10).text)
    kiosks.revoke_kiosk(srv.central, kid)
    r = s.post(srv.url(f"/console/kiosks/{kid}/actions"), data={"action": "pulse", "csrf_token": csrf},
               allow_redirects=False, timeout=10)
    assert r.headers["location"].endswith("done=unreachable")
    assert _actions(srv) == []
    assert s.get(srv.url("/console/kiosks/999999"), timeout=10).status_code == 404


def test_only_the_asked_kiosk_answers_and_once(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    kid, kiosk = _kiosk(srv)
    _other_id, other = _kiosk(srv, "another")
    aid = remote.request(srv.central, kid, "print_test", "tina")
    url = srv.url(f"/api/v1/actions/{aid}/result")
    assert other.post(url, json={"ok": True, "detail": "x"}, timeout=10).status_code == 404
    assert kiosk.post(url, json={"ok": False, "detail": "paper out"}, timeout=10).status_code == 200
    assert kiosk.post(url, json={"ok": False, "detail": "paper out"}, timeout=10).status_code == 200
    r = kiosk.post(url, json={"ok": True, "detail": "printed"}, timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "action_answered"
    [row] = remote.history(srv.central, kid)
    assert (row.state, row.detail) == ("failed", "paper out")
    # Hostile bodies: named 422s, nothing changed.
    for body in ({"ok": "maybe"}, {"ok": True, "detail": "x" * 301}, {"ok": True, "extra": 1}, []):
        assert kiosk.post(url, json=body, timeout=10).status_code == 422
    assert kiosk.post(srv.url("/api/v1/actions/0/result"), json={"ok": True}, timeout=10).status_code == 422
    assert requests.post(url, json={"ok": True}, timeout=10).status_code == 401


def _declared_status(session: requests.Session, url: str, size: int) -> int:
    """The status for a PUT whose headers declare `size` bytes, sent without the body. Central
    answers an over-limit Content-Length before reading any body; sending the 8 MiB anyway
    races that answer against the reset of a closed connection, and the answer can be lost."""
    u = urllib.parse.urlsplit(url)
    lines = [f"PUT {u.path} HTTP/1.1", f"Host: {u.netloc}", f"Content-Length: {size}",
             "Content-Type: application/octet-stream", "Connection: close",
             f"Authorization: {session.headers['Authorization']}"]
    reply = b""
    with socket.create_connection((u.hostname, u.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while chunk := sock.recv(4096):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def test_a_bundle_is_kept_and_only_technical_staff_download_it(central_server: CentralServer) -> None:
    srv = central_server
    srv.add_user("tina", "technician")
    srv.add_user("rita", "receptionist")
    kid, kiosk = _kiosk(srv)
    aid = remote.request(srv.central, kid, "bundle", "tina")
    url = srv.url(f"/api/v1/actions/{aid}/bundle")
    headers = {"Content-Type": "application/octet-stream"}
    for bad in (b"", b"not a tarball", b"\x1f\x8b\x08\x00garbage"):
        r = kiosk.put(url, data=bad, headers=headers, timeout=10)
        assert r.status_code == 422 and r.json()["error"] == "bad_bundle", r.text
    data = _tar_gz({"report.json": b'{"status": "pass"}', "logs/kiosk.log": b"started\n"})
    assert kiosk.put(url, data=data, headers=headers, timeout=10).status_code == 200
    assert kiosk.put(url, data=data, headers=headers, timeout=10).status_code == 409
    [row] = remote.history(srv.central, kid)
    assert row.state == "ok" and row.has_bundle and "2 files" in row.detail

    tech = login(srv, "tina")
    got = tech.get(srv.url(f"/console/kiosks/bundles/{aid}"), timeout=10)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/gzip"
    assert re.match(r'attachment; filename="diag-1-[0-9]{8}-[0-9]{6}\.tar\.gz"',
                    got.headers["content-disposition"])
    assert f'href="/console/kiosks/bundles/{aid}"' in tech.get(srv.url(f"/console/kiosks/{kid}")).text
    rita = login(srv, "rita")
    assert rita.get(srv.url(f"/console/kiosks/bundles/{aid}"), timeout=10).status_code == 403
    assert f"/console/kiosks/bundles/{aid}" not in rita.get(srv.url(f"/console/kiosks/{kid}")).text
    assert tech.get(srv.url("/console/kiosks/bundles/999999"), timeout=10).status_code == 404

    # A bundle for a request that did not ask for one, and one over the limit, are refused.
    pulse = remote.request(srv.central, kid, "pulse", "tina")
    r = kiosk.put(srv.url(f"/api/v1/actions/{pulse}/bundle"), data=data, headers=headers, timeout=10)
    assert r.status_code == 409
    other = remote.request(srv.central, kid, "bundle", "tina")
    big = remote.MAX_BUNDLE + (64 << 10) + 1
    assert _declared_status(kiosk, srv.url(f"/api/v1/actions/{other}/bundle"), big) == 413
    with srv.central.db.reading() as s:
        assert s.query(KioskBundle).count() == 1


def test_the_kiosk_page_lists_every_device_translated_and_red_when_a_check_fails(
    central_sqlite_server: CentralServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = central_sqlite_server
    monkeypatch.setattr(render, "console_zone", lambda: ZoneInfo("Asia/Shanghai"))
    srv.add_user("tina", "technician")
    kid, kiosk = _kiosk(srv)
    report = _report(
        _check("relay.board", "relay", "pass", "relay board answers"),
        _check("printer.paper", "printer", "fail", "printer reports paper out", "load a new roll"),
        _check("central.reach", "central", "pass", "central answers"),
    )
    r = kiosk.post(srv.url("/api/v1/heartbeat"), json=_beat(diag=report), timeout=10)
    assert r.status_code == 200, r.text
    s = login(srv, "tina")
    html = s.get(srv.url(f"/console/kiosks/{kid}"), headers={"Accept-Language": "zh-CN"}, timeout=10).text
    for label in ("读卡器", "闸机继电器", "访客单打印机", "二维码扫描器", "身份证阅读器", "中心服务"):
        assert label in html, label
    assert 'data-device="printer" data-status="fail"' in html
    assert 'data-device="relay" data-status="pass"' in html
    assert 'data-device="card_reader" data-status="unknown"' in html
    assert "printer reports paper out" in html and "load a new roll" in html
    assert '<h1 id="kiosk-name" class="bad">' in html
    # Times in the property's zone: the report was taken at 06:00 UTC, 14:00 in Shanghai.
    assert '<dd id="report-at">2026-12-01 14:00:00</dd>' in html
    [k] = kiosks.list_kiosks(srv.central)
    assert k.last_heartbeat_at is not None
    beat_local = k.last_heartbeat_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert beat_local in html
    assert "-0.0 s" not in html  # a clock in step reads 0.0 s
    listing = s.get(srv.url("/console/kiosks"), timeout=10).text
    assert '<tr class="failing"' in listing and 'data-device="printer"' in listing

    # All passing: no longer red.
    ok = _report(_check("printer.paper", "printer", "pass", "paper loaded"))
    assert kiosk.post(srv.url("/api/v1/heartbeat"), json=_beat(diag=ok), timeout=10).status_code == 200
    html = s.get(srv.url(f"/console/kiosks/{kid}"), timeout=10).text
    assert '<h1 id="kiosk-name" class="">' in html
    assert '<tr class="" data-kiosk' in s.get(srv.url("/console/kiosks"), timeout=10).text


def test_a_late_heartbeat_is_red_even_when_every_check_passes(central_sqlite_server: CentralServer) -> None:
    srv = central_sqlite_server
    srv.add_user("tina", "technician")
    kid, kiosk = _kiosk(srv)
    ok = _report(_check("relay.board", "relay", "pass", "relay board answers"))
    assert kiosk.post(srv.url("/api/v1/heartbeat"), json=_beat(diag=ok), timeout=10).status_code == 200
    s = login(srv, "tina")
    assert 'id="kiosk-late"' not in s.get(srv.url(f"/console/kiosks/{kid}"), timeout=10).text
    from central.models import Kiosk

    with srv.central.db.writing() as db:
        k = db.get(Kiosk, kid)
        assert k is not None and k.last_heartbeat_at is not None
        k.last_heartbeat_at = k.last_heartbeat_at - kiosks.HEARTBEAT_LATE - kiosks.HEARTBEAT_LATE / 10
    html = s.get(srv.url(f"/console/kiosks/{kid}"), timeout=10).text
    assert 'id="kiosk-late"' in html and '<h1 id="kiosk-name" class="bad">' in html


@pytest.mark.parametrize(
    ("diag", "says"),
    [
        ({"checks": []}, "report time"),
        (_report({"id": "x", "group": "relay", "status": "bogus", "summary": "s"}), "unknown check status"),
        (_report({"group": "relay", "status": "pass"}), "check id is missing"),
        (_report(*[_check(f"c{i}", "relay", "pass", "s") for i in range(101)]), "at most 100"),
        ({**_report(), "at": "2026-12-01T06:00:00"}, "no UTC offset"),
        (_report({**_check("c", "relay", "pass", "s"), "params": {str(i): "v" for i in range(11)}}),
         "at most 10"),
    ],
)
def test_a_bad_report_is_refused_by_name_and_the_stored_one_kept(
    central_sqlite_server: CentralServer, diag: dict[str, Any], says: str
) -> None:
    srv = central_sqlite_server
    kid, kiosk = _kiosk(srv)
    good = _report(_check("relay.board", "relay", "pass", "relay board answers"))
    assert kiosk.post(srv.url("/api/v1/heartbeat"), json=_beat(diag=good), timeout=10).status_code == 200
    r = kiosk.post(srv.url("/api/v1/heartbeat"), json=_beat(diag=diag), timeout=10)
    assert r.status_code == 422 and r.json()["error"] == "bad_diag" and says in r.json()["detail"], r.text
    stored = Report.from_json(good).to_json()  # normalised: the status is the checks' worst
    assert stored["status"] == "pass"
    assert kiosks.status(srv.central, kid).diag == stored
    # A heartbeat without a report keeps the last one too.
    assert kiosk.post(srv.url("/api/v1/heartbeat"), json=_beat(), timeout=10).status_code == 200
    assert kiosks.status(srv.central, kid).diag == stored


def test_bundles_go_with_the_retention_job_and_the_audit_stays(central_sqlite_server: CentralServer) -> None:
    from datetime import timedelta

    from central.services import retention

    srv = central_sqlite_server
    kid, kiosk = _kiosk(srv)
    aid = remote.request(srv.central, kid, "bundle", "tina")
    data = _tar_gz({"report.json": b"{}"})
    assert kiosk.put(srv.url(f"/api/v1/actions/{aid}/bundle"), data=data, timeout=10).status_code == 200
    retention.run_all(srv.central)
    assert remote.history(srv.central, kid)[0].has_bundle  # not old yet
    later = datetime.now(UTC) + srv.central.settings.retention + timedelta(minutes=1)
    assert retention.run_all(srv.central, later)["kiosk_bundles_purged"] == 1
    [row] = remote.history(srv.central, kid)
    assert (row.state, row.requested_by, row.has_bundle) == ("ok", "tina", False)
