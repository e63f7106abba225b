"""The background worker against the real central: backoff with no retry storm while central
is down, draining once it is back, a revoked token that silences it until re-enrollment, the
visit-package overdraw of two offline kiosks, and visitor registrations with decisions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from backend_client import status
from backend_client.token_store import TokenStore
from central.services import kiosks, overdraw, visits
from kiosk.store import VisitorRequest
from kiosk.sync import outbox
from kiosk.sync.engine import SyncSettings
from kiosk.sync.worker import SyncWorker
from tests.fixtures.central import wait_until
from tests.fixtures.sync import (
    KioskRig,
    central_event_ids,
    central_members,
    import_members,
    kiosk_members,
    uid_of,
)

FAST = SyncSettings(interval_s=0.2, push_delay_s=0.05, long_poll_s=0.5, backoff_base_s=0.1,
                    backoff_cap_s=0.8, token_check_s=0.1, lock_wait_s=10)


@contextmanager
def running(rig: KioskRig, settings: SyncSettings = FAST) -> Iterator[SyncWorker]:
    worker = SyncWorker(rig.store, rig.central_config(), settings)
    rig.pipeline.subscribe(worker.on_entrance_result)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def state(rig: KioskRig) -> str:
    return str(status.read(rig.data_dir)["state"])


def test_central_down_backs_off_with_jitter_then_drains_the_backlog(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": "W1", "card_uid": uid_of(1)}])
    rig: KioskRig = make_kiosk()
    with running(rig):
        wait_until(lambda: state(rig) == "ok", 10, "the first sync")
        rig.proxy.mode = "reset"
        t0 = time.monotonic()
        taps = [rig.tap(uid_of(1)) for _ in range(5)]
        assert all(t.granted for t in taps)
        wait_until(lambda: state(rig) == "error", 10, "the worker to notice central is gone")
        # Watch the outage for 3 s. Without backoff a worker would retry hundreds of times;
        # with it (0.1 s doubling to 0.8 s, two threads) it is a couple of dozen at most.
        wait_until(lambda: time.monotonic() - t0 > 3.0, 5, "3 s of outage", interval=0.1)
        during = rig.proxy.count(since=t0)
        assert 4 <= during <= 30, during
        st = status.read(rig.data_dir)
        assert st["backlog"] == 5 and st["next_retry_at"] and st["consecutive_failures"] >= 2
        rig.proxy.mode = "pass"
        wait_until(lambda: status.read(rig.data_dir)["backlog"] == 0 and state(rig) == "ok", 10,
                   "the backlog to drain")
    assert sorted(central_event_ids(sync_central, rig.kiosk_id)) == sorted(t.event_uuid for t in taps)


def test_a_tap_is_pushed_soon_without_waiting_for_the_next_cycle(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": "W2", "card_uid": uid_of(2)}])
    rig: KioskRig = make_kiosk()
    with running(rig, SyncSettings(interval_s=60, push_delay_s=0.05, long_poll_s=0.5)):
        wait_until(lambda: state(rig) == "ok", 10, "the first sync")
        tap = rig.tap(uid_of(2))
        wait_until(lambda: central_event_ids(sync_central, rig.kiosk_id) == [tap.event_uuid], 5,
                   "the nudged push (the next full cycle is a minute away)")


def test_revoked_token_means_not_authorised_and_silence_until_enrolled_again(
        make_kiosk, sync_central) -> None:
    rig: KioskRig = make_kiosk()
    with running(rig) as worker:
        wait_until(lambda: state(rig) == "ok", 10, "the first sync")
        kiosks.revoke_kiosk(sync_central.central, rig.kiosk_id)
        wait_until(lambda: state(rig) == "not_authorised", 10, "not authorised")
        assert "not authorised" in status.summary(status.read(rig.data_dir))
        t0 = time.monotonic()
        for _ in range(3):  # taps keep working and must not wake the worker into retrying
            rig.tap("04EEEEEE")
            worker.nudge()
        wait_until(lambda: time.monotonic() - t0 > 2.0, 5, "2 s of watching", interval=0.1)
        # At most the one long-poll that was in flight when the token died comes back refused.
        assert rig.proxy.count(since=t0) <= 1, rig.proxy.requests[-5:]

        code = kiosks.reissue_code(sync_central.central, rig.kiosk_id)
        enrolled = rig.central_config()
        from kiosk.sync import client

        api = client.make_api(enrolled, None)
        TokenStore(rig.data_dir).save(api.enroll(code).token)
        api.close()
        wait_until(lambda: state(rig) == "ok" and status.read(rig.data_dir)["backlog"] == 0, 10,
                   "sync to resume with the new token and send what waited")
    assert len(central_event_ids(sync_central, rig.kiosk_id)) == 3


def test_two_offline_kiosks_spend_the_last_visit_and_central_records_one_overdraw(
        make_kiosk, sync_central) -> None:
    assert outbox.VISIT_USED == overdraw.VISIT_USED
    import_members(sync_central, [{"member_no": "V1", "card_uid": uid_of(7), "visits_remaining": 1}])
    a: KioskRig = make_kiosk()
    b: KioskRig = make_kiosk()
    for k in (a, b):
        k.engine().cycle()
        k.proxy.mode = "reset"  # both offline
    ra, rb = a.tap(uid_of(7)), b.tap(uid_of(7))
    assert ra.granted and rb.granted and ra.visits_left == rb.visits_left == 0
    assert not a.tap(uid_of(7)).granted  # the package is used up locally

    for k in (a, b):
        k.proxy.mode = "pass"
        k.engine().cycle()
    (od,) = overdraw.list_overdraws(sync_central.central)
    assert od.member_no == "V1" and od.occurred_at == rb.at
    assert central_members(sync_central)["V1"][1] == 0  # never negative, never blocked
    assert central_members(sync_central)["V1"][0] == "active"

    # b resends everything (as after a crash between push and mark): still one overdraw.
    with b.store.write() as tx:
        tx.conn.exec_driver_sql("UPDATE access_events SET synced_at = NULL")
    b.engine().cycle()
    a.engine().cycle()
    assert len(overdraw.list_overdraws(sync_central.central)) == 1
    assert overdraw.count_unresolved(sync_central.central) == 1
    assert kiosk_members(a.data_dir)["V1"][1] == kiosk_members(b.data_dir)["V1"][1] == 0
    overdraw.resolve(sync_central.central, od.id, None, "charged at reception")
    assert overdraw.list_overdraws(sync_central.central) == []
    (settled,) = overdraw.list_overdraws(sync_central.central, unresolved_only=False)
    assert settled.note == "charged at reception" and settled.resolved_at is not None


def test_visitor_registration_reaches_central_and_the_decision_comes_back(make_kiosk, sync_central) -> None:
    rig: KioskRig = make_kiosk()
    with rig.store.write() as tx:
        client_id = tx.queue_visit(VisitorRequest(
            id_type="cn_ric", id_number="11010519491231002X", name="王小二",
            mobile="13800138000", host="3-1201", purpose="visit"), _now())
    raw = (rig.data_dir / "kiosk.db").read_bytes()
    assert b"11010519491231002X" not in raw  # queued encrypted
    rig.engine().cycle()
    with rig.store.read() as tx:
        st = tx.visit_state(client_id)
        blob = tx.conn.exec_driver_sql("SELECT request_enc FROM sync_visits").scalar()
    assert st is not None and st.status == "pending" and st.visit_id
    assert blob is None  # central has it: the kiosk forgot the ID number

    visits.approve_visit(sync_central.central, st.visit_id, None)
    rig.engine().poll_updates(5.0)
    with rig.store.read() as tx:
        st = tx.visit_state(client_id)
    assert st is not None and st.status == "approved" and st.pass_text and st.pass_id is not None


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
