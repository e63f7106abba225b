"""VisitorDesk on real parts (a store on SQLite, sim:// and escpos-file:// printers): outcomes
of the wait, the blocklist, slips when the printer works and when it fails, the host search,
the purge, and no plain ID number in the database or the logs."""

from __future__ import annotations

import base64
import logging
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import devices
from backend_client import wire
from kiosk.app import DeskSettings, VisitorDesk, VisitorForm
from kiosk.app import visitor_desk as vd
from kiosk.store import Store
from kiosk.sync.worker import VisitNews
from lobby_core import id_documents as ids
from tests.integration.printer.test_slip_output import raster_to_png

pytestmark = pytest.mark.integration
RIC = "11010519491231002X"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def form(**kw: object) -> VisitorForm:
    base: dict[str, object] = dict(id_type="cn_ric", id_number=RIC, name="王小二", mobile="13800138000",
                                   host="3-1201", purpose="visit", privacy_notice_version="1")
    return VisitorForm(**{**base, **kw})  # type: ignore[arg-type]


def decide(store: Store, desk: VisitorDesk, ref: str, status: str, **kw: object) -> None:
    """What the sync engine does with central's answer, then its news to the desk."""
    data: dict[str, object] = {"visit_id": 42, "client_id": ref, "status": status, **kw}
    with store.write() as tx:
        tx.record_visit(wire.Visit.model_validate(data), datetime.now(UTC))
    desk.on_sync_news(VisitNews(client_id=ref))


def approved_pass(text: str = "V1:PASS-TEXT-123") -> dict[str, object]:
    return {"pass": {"pass_id": 7, "text": text, "valid_from": "2026-06-01T01:00:00+00:00",
                     "valid_until": "2026-06-01T15:00:00+00:00", "facilities": ["lobby"],
                     "entries": 2}}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def nudges() -> list[int]:
    return []


@pytest.fixture
def desk(kiosk_store: Store, clock: Clock, nudges: list[int]):
    printer = devices.open_printer("sim://?name=desk")
    d = VisitorDesk(kiosk_store, printer, DeskSettings(place="Riverside Tower", approval_wait_s=5),
                    nudge=lambda: nudges.append(1), clock=clock)
    yield d
    printer.close()


def test_register_queues_once_pushes_at_once_and_an_approval_ends_the_wait(
        desk: VisitorDesk, kiosk_store: Store, nudges: list[int]) -> None:
    got: list[vd.VisitorResult] = []
    desk.subscribe(got.append)
    f = form()
    ticket = desk.register(f)
    assert nudges == [1] and not ticket.see_reception
    assert desk.register(f).ref == ticket.ref and nudges == [1]  # the same form twice: one visit
    with kiosk_store.read() as tx:
        assert len(tx.open_visits()) == 1 and tx.queued_visits()[0].request.id_number == RIC
    assert [t.ref for t in desk.in_progress()] == [ticket.ref]
    out: list[vd.VisitorResult] = []
    waiter = threading.Thread(target=lambda: out.append(desk.await_approval(ticket, 30)))
    waiter.start()
    decide(kiosk_store, desk, ticket.ref, "pending")
    decide(kiosk_store, desk, ticket.ref, "approved", **approved_pass())
    waiter.join(10)
    assert not waiter.is_alive()
    assert (out[0].state, out[0].pass_text) == (vd.APPROVED, "V1:PASS-TEXT-123")
    assert got[-1] == out[0] and desk.in_progress() == []


@pytest.mark.parametrize(("status", "reason", "want"), [
    ("denied", "host not in", ("denied", "host not in")),
    ("expired", None, ("denied", "expired")),
])
def test_a_refusal_carries_its_reason(desk: VisitorDesk, kiosk_store: Store, status: str,
                                      reason: str | None, want: tuple[str, str]) -> None:
    ticket = desk.register(form())
    decide(kiosk_store, desk, ticket.ref, status, deny_reason=reason)
    r = desk.await_approval(ticket, 5)
    assert (r.state, r.reason) == want


def test_pending_past_the_deadline_times_out_and_never_sent_is_unreachable(
        desk: VisitorDesk, kiosk_store: Store) -> None:
    a = desk.register(form())
    decide(kiosk_store, desk, a.ref, "pending")
    assert desk.await_approval(a, 0.2).state == vd.TIMED_OUT
    b = desk.register(form())  # still queued: central never took it
    assert desk.await_approval(b, 0.2).state == vd.CENTRAL_UNREACHABLE


def test_a_failed_push_after_the_registration_answers_unreachable_at_once(
        desk: VisitorDesk) -> None:
    import time

    stale = time.monotonic()
    ticket = desk.register(form())
    # An attempt that started before the registration never carried it: only the deadline
    # answers ("no answer"), not the failure's kind.
    desk.on_sync_news(VisitNews(failure="unreachable", attempt_started=stale - 1))
    assert (desk.await_approval(ticket, 0.3).state, desk.await_approval(ticket, 0.3).reason) == (
        vd.CENTRAL_UNREACHABLE, "no answer")
    out: list[vd.VisitorResult] = []
    waiter = threading.Thread(target=lambda: out.append(desk.await_approval(ticket, 60)))
    waiter.start()
    desk.on_sync_news(VisitNews(failure="timeout", attempt_started=time.monotonic()))
    waiter.join(30)
    assert not waiter.is_alive() and (out[0].state, out[0].reason) == (vd.CENTRAL_UNREACHABLE, "timeout")


def test_a_blocklisted_number_under_another_type_sees_reception_and_is_still_queued(
        desk: VisitorDesk, kiosk_store: Store) -> None:
    key = bytes(range(32))
    hashed = vd.blocklist_hash(key, ids.canonical_key("hk_macao_permit", "H1234567801"))
    with kiosk_store.write() as tx:
        tx.put_blocklist(wire.Blocklist(key=base64.b64encode(key).decode(), hashes=[hashed]))
    got: list[vd.VisitorResult] = []
    desk.subscribe(got.append)
    clean = desk.register(form())
    assert not clean.see_reception
    # The renewal counter dropped: the same holder on a renewed permit is still a match.
    ticket = desk.register(form(id_type="hk_macao_permit", id_number="H12345678"))
    assert ticket.see_reception
    assert [(r.ref, r.state, r.reason) for r in got] == [(ticket.ref, vd.SEE_RECEPTION, "")]
    with kiosk_store.read() as tx:
        assert {q.client_id for q in tx.queued_visits()} == {clean.ref, ticket.ref}


def test_pin_approval_ends_the_wait_and_prints(kiosk_store: Store, clock: Clock) -> None:
    calls: list[tuple[str, str, str]] = []

    class FakePins:
        def approve(self, client_id: str, receptionist: str, pin: str, now: datetime) -> str:
            calls.append((client_id, receptionist, pin))
            return "V1:KIOSK-SIGNED"

    printer = devices.open_printer("sim://?name=pin")
    try:
        desk = VisitorDesk(kiosk_store, printer, pin_approval=FakePins(), clock=clock)
        ticket = desk.register(form())
        r = desk.approve_with_pin(ticket, "alice", "2468")
        assert (r.state, r.pass_text) == (vd.APPROVED, "V1:KIOSK-SIGNED")
        assert calls == [(ticket.ref, "alice", "2468")]
        assert desk.await_approval(ticket, 0.1).state == vd.APPROVED
        assert desk.print_slip(ticket).state == vd.PRINTED
        assert printer.printed[0].slip.qr == "V1:KIOSK-SIGNED"  # type: ignore[attr-defined]
    finally:
        printer.close()


def approve(desk: VisitorDesk, store: Store):
    ticket = desk.register(form())
    decide(store, desk, ticket.ref, "approved", **approved_pass())
    assert desk.await_approval(ticket, 5).state == vd.APPROVED
    return ticket


def test_the_slip_shows_what_it_must_and_prints(desk: VisitorDesk, kiosk_store: Store) -> None:
    ticket = approve(desk, kiosk_store)
    r = desk.print_slip(ticket)
    assert r.state == vd.PRINTED and desk.print_health().is_ok
    slip = desk.printer.printed[0].slip  # type: ignore[union-attr]
    assert slip == r.slip and slip.title == "Riverside Tower" and slip.qr == "V1:PASS-TEXT-123"
    assert slip.lines == ("访客单 / Visitor slip", "访客 Visitor: 王*二", "被访 Host: 3-1201",
                          "有效至 Valid until: 2026-06-01 23:00", "单号 Slip No.: 000042")
    assert slip.footer


@pytest.mark.parametrize("fault", ["paper_out", "timeout", "absent"])
def test_a_failing_printer_gives_an_on_screen_slip_and_shows_in_health(
        desk: VisitorDesk, kiosk_store: Store, fault: str) -> None:
    ticket = approve(desk, kiosk_store)
    desk.printer.set_fault(fault)  # type: ignore[union-attr]
    r = desk.print_slip(ticket)
    assert r.state == vd.PRINT_FAILED and r.slip is not None and r.slip.qr == "V1:PASS-TEXT-123"
    assert r.reason and not desk.print_health().is_ok and r.reason in desk.print_health().reason
    desk.printer.set_fault(None)  # type: ignore[union-attr]
    assert desk.print_slip(ticket).state == vd.PRINTED and desk.print_health().is_ok


def test_no_printer_at_all_still_gives_the_slip(kiosk_store: Store, clock: Clock) -> None:
    desk = VisitorDesk(kiosk_store, None, clock=clock)
    ticket = approve(desk, kiosk_store)
    r = desk.print_slip(ticket)
    assert (r.state, r.slip.qr if r.slip else None) == (vd.PRINT_FAILED, "V1:PASS-TEXT-123")
    assert "no printer" in desk.print_health().reason


def test_the_printed_qr_decodes_to_the_pass(kiosk_store: Store, clock: Clock, tmp_path: Path) -> None:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg missing: install Debian zbar-tools (make sysdeps)"
    out = tmp_path / "lp0"
    out.touch()
    printer = devices.open_printer(f"escpos-file://{out}")
    try:
        desk = VisitorDesk(kiosk_store, printer, clock=clock)
        ticket = approve(desk, kiosk_store)
        assert desk.print_slip(ticket).state == vd.PRINTED
    finally:
        printer.close()
    data = out.read_bytes()
    assert "访客单".encode("gb18030") in data and "王*二".encode("gb18030") in data
    raster_to_png(data, tmp_path / "qr.png")
    res = subprocess.run([zbarimg, "--raw", "-q", str(tmp_path / "qr.png")], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0 and res.stdout.rstrip("\n") == "V1:PASS-TEXT-123"


def test_hosts_search_needs_two_characters_and_returns_ten_at_most(
        desk: VisitorDesk, kiosk_store: Store) -> None:
    items = [{"id": i, "kind": "unit", "label": f"Tower A {i:02d}01", "detail": ""} for i in range(30)]
    items += [{"id": 100, "kind": "company", "label": "华润大厦物业", "detail": "12F"},
              {"id": 101, "kind": "company", "label": "Acme 华润 Ltd", "detail": ""}]
    with kiosk_store.write() as tx:
        tx.replace_hosts(wire.Hosts.model_validate({"version": 3, "items": items}))
    assert desk.search_hosts("T") == [] and desk.search_hosts(" ") == []
    assert len(desk.search_hosts("to")) == 10
    assert [h.id for h in desk.search_hosts("华润")] == [100, 101]  # prefix before substring
    assert [h.label for h in desk.search_hosts("hrds")] == ["华润大厦物业"]  # pinyin initials
    assert [h.id for h in desk.search_hosts("a 1301")] == [13]
    assert desk.search_hosts("%%") == []  # a typed % is no wildcard


def test_ended_visits_are_purged_after_retention_at_most_hourly(
        kiosk_store: Store, clock: Clock) -> None:
    desk = VisitorDesk(kiosk_store, None, DeskSettings(retention_days=30), clock=clock)
    ticket = approve(desk, kiosk_store)  # its pass ends 2026-06-01 15:00 UTC
    waiting = desk.register(form())
    clock.now = datetime(2026, 7, 1, 14, 30, tzinfo=UTC)  # 29 days 23.5 h after it ended
    assert desk.upkeep() == 0
    clock.now = datetime(2026, 7, 1, 15, 10, tzinfo=UTC)  # past 30 days, but within the hour
    assert desk.upkeep() == 0
    clock.now += timedelta(minutes=21)
    assert desk.upkeep() == 1
    with kiosk_store.read() as tx:
        assert tx.visit_state(ticket.ref) is None and tx.visit_state(waiting.ref) is not None


def test_no_plain_id_number_in_the_database_or_the_logs(
        desk: VisitorDesk, kiosk_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        ticket = desk.register(form())
        decide(kiosk_store, desk, ticket.ref, "approved", **approved_pass())
        desk.await_approval(ticket, 5)
        desk.print_slip(ticket)
    raw = b"".join(p.read_bytes() for p in kiosk_store.path.parent.glob("kiosk.db*"))
    for secret in (RIC, "王小二", "13800138000"):
        assert secret.encode() not in raw and secret not in caplog.text
    assert "registration" in caplog.text  # the log did record the flow
