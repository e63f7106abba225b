"""The visitor desk against the real central (uvicorn on loopback, behind a fault proxy):
register -> central approves -> the escpos-file:// slip's QR decodes to a pass that verifies
with central's keys; central down -> central_unreachable at once; a kiosk killed with SIGKILL
while waiting resumes the same visit and never registers it twice."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central.models import Visit
from central.services import visits
from kiosk.app import DeskSettings, VisitorDesk, VisitorForm
from kiosk.app import visitor_desk as vd
from kiosk.sync.engine import SyncSettings
from kiosk.sync.worker import SyncWorker
from lobby_core import passes
from tests.fixtures.central import wait_until
from tests.fixtures.sync import REPO, KioskRig
from tests.integration.printer.test_slip_output import raster_to_png

pytestmark = pytest.mark.integration
RIC = "11010519491231002X"
FAST = SyncSettings(interval_s=60, long_poll_s=2, backoff_base_s=0.1, backoff_cap_s=0.5)


def form(**kw: Any) -> VisitorForm:
    return VisitorForm(**{"id_type": "cn_ric", "id_number": RIC, "name": "王小二",
                          "mobile": "13800138000", "host": "3-1201", "purpose": "visit",
                          "privacy_notice_version": "1", **kw})


@contextmanager
def desk_on(rig: KioskRig, printer: Any = None) -> Iterator[VisitorDesk]:
    worker = SyncWorker(rig.store, rig.central_config(), FAST)
    desk = VisitorDesk(rig.store, printer, DeskSettings(place="Riverside Tower"), nudge=worker.nudge_visits)
    worker.subscribe_visits(desk.on_sync_news)
    worker.start()
    try:
        yield desk
    finally:
        worker.stop()


def central_visits(rig: KioskRig, client_id: str) -> list[Visit]:
    with rig.srv.central.db.reading() as s:
        rows = list(s.execute(select(Visit).where(Visit.client_id == client_id)).scalars())
        for r in rows:
            s.expunge(r)
        return rows


def test_register_approve_print_and_verify(make_kiosk, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    import devices

    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg missing: install Debian zbar-tools (make sysdeps)"
    rig: KioskRig = make_kiosk()
    lp = tmp_path / "lp0"
    lp.touch()
    printer = devices.open_printer(f"escpos-file://{lp}")
    with caplog.at_level(logging.DEBUG), desk_on(rig, printer) as desk:
        ticket = desk.register(form())
        # Pushed at once: the next full cycle is a minute away.
        (visit,) = wait_until(lambda: central_visits(rig, ticket.ref), 10, "central to have the visit")
        visits.approve_visit(rig.srv.central, visit.id, None)
        result = desk.await_approval(ticket, 30)
        assert result.state == vd.APPROVED and result.pass_text
        assert desk.print_slip(ticket).state == vd.PRINTED
    printer.close()
    raster_to_png(lp.read_bytes(), tmp_path / "qr.png")
    out = subprocess.run([zbarimg, "--raw", "-q", str(tmp_path / "qr.png")], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.rstrip("\n") == result.pass_text
    with rig.store.read() as tx:
        keys = passes.TrustedKeys.from_published(tx.pass_keys()["keys"])  # type: ignore[index]
    claims = passes.check_pass(out.stdout.rstrip("\n"), keys, now=datetime.now(UTC))
    assert claims.visit_id == visit.id
    raw = b"".join(p.read_bytes() for p in rig.data_dir.glob("kiosk.db*"))
    for secret in (RIC, "王小二", "13800138000"):
        assert secret.encode() not in raw and secret not in caplog.text


def test_central_down_answers_unreachable_without_waiting_out_the_deadline(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    with desk_on(rig) as desk:
        rig.proxy.mode = "reset"
        ticket = desk.register(form())
        result = desk.await_approval(ticket, 60)
        # The failed push's kind, not the deadline's "no answer": it did not wait the minute out.
        assert (result.state, result.reason) == (vd.CENTRAL_UNREACHABLE, "unreachable")
        rig.proxy.mode = "pass"
    assert central_visits(rig, ticket.ref) == []


def _lines(proc: subprocess.Popen[str]) -> Iterator[dict[str, Any]]:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("{"):
            yield json.loads(line)


def test_sigkill_while_waiting_resumes_the_same_visit(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    client_id = str(uuid.uuid4())
    cmd = [sys.executable, "-m", "tests.e2e.visitors.desk_proc", str(rig.config_path), client_id]
    first = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert next(_lines(first)) == {"event": "registered", "ref": client_id}
        wait_until(lambda: central_visits(rig, client_id), 20, "central to have the visit")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    second = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = _lines(second)
        assert next(lines) == {"event": "resumed", "refs": [client_id]}
        (visit,) = central_visits(rig, client_id)
        visits.approve_visit(rig.srv.central, visit.id, None)
        outcome = next(lines)
        assert (outcome["event"], outcome["ref"], outcome["state"]) == ("outcome", client_id, "approved")
        assert second.wait(30) == 0
    finally:
        second.kill()
    with rig.srv.central.db.reading() as s:
        assert s.execute(select(func.count()).select_from(Visit)).scalar_one() == 1
    with closing(sqlite3.connect(f"file:{rig.data_dir / 'kiosk.db'}?mode=ro", uri=True)) as db:
        assert db.execute("SELECT client_id, status FROM sync_visits").fetchall() == [(client_id, "approved")]


@pytest.mark.parametrize(("id_type", "number", "country"), [
    ("passport", "E12345678", "de"),  # central needs a passport's issuing country
    ("hmt_res_permit", "810000199408230021", None),  # types central learnt with the shared rules
])
def test_every_document_type_the_desk_accepts_central_takes(make_kiosk, id_type: str, number: str,
                                                            country: str | None) -> None:
    rig: KioskRig = make_kiosk()
    with desk_on(rig) as desk:
        ticket = desk.register(form(id_type=id_type, id_number=number, country=country))
        (visit,) = wait_until(lambda: central_visits(rig, ticket.ref), 10, "central to have the visit")
    assert (visit.id_type, visit.status) == (id_type, "pending")
    assert visit.id_country == ("DEU" if country else None)
