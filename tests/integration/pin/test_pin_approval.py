"""PIN approval at the kiosk on real parts: central on uvicorn behind a fault proxy, kiosks with
real SQLite stores and real sync engines.

Central down -> a receptionist's PIN approves at kiosk A -> central back, A syncs -> central
shows the visit approved at A by that receptionist -> kiosk B syncs keys and verifies A's pass.
Five wrong PINs lock PIN approval for 15 minutes, across a restart; no PIN or hash is logged.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from backend_client import errors
from kiosk.app.errors import PinLocked, PinUnavailable, PinWrong
from kiosk.app.pin_approval import LOCK_FOR, MAX_FAILURES, MAX_VALIDITY, PinApproval
from kiosk.store import Store, VisitorRequest
from kiosk.store.signing_key import KioskKeyFile
from lobby_core import passes
from tests.fixtures.sync import KioskRig

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PIN = "482913"


@pytest.fixture(autouse=True)
def cheap_pins() -> None:
    from central.services import users

    users.set_pin_hasher(CHEAP)


def _request() -> VisitorRequest:
    return VisitorRequest(id_type="passport", id_number="E12345678", name="Visitor Test",
                          mobile="13800138000", host="Unit 1203", purpose="meeting", party_size=2,
                          id_country="GBR", client_id=str(uuid.uuid4()))


def _queue(rig: KioskRig) -> str:
    req = _request()
    with rig.store.write() as tx:
        return tx.queue_visit(req, datetime.now(UTC))


def _receptionist(rig: KioskRig, name: str = "rita") -> None:
    from central.services import users

    rig.srv.add_user(name, "receptionist")
    users.set_pin(rig.srv.central, name, PIN)


def _trusted(rig: KioskRig) -> tuple[passes.TrustedKeys, passes.FacilityTable]:
    with rig.store.read() as tx:
        doc = tx.pass_keys()
    assert doc is not None
    return (passes.TrustedKeys.from_published(doc["keys"]),
            passes.FacilityTable.from_list(doc["facilities"]))


def test_pin_approval_offline_reaches_central_and_verifies_at_another_kiosk(
        make_kiosk: Callable[..., KioskRig], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    a, b = make_kiosk(), make_kiosk()
    _receptionist(a)
    a.engine().cycle()  # PINs and A's key (enrolled without one: registered on this sync)
    client_id = _queue(a)

    a.proxy.mode = "drop"  # central unreachable from A
    with pytest.raises(errors.CentralError):
        a.engine().cycle()
    approval = PinApproval(a.store, KioskKeyFile(a.data_dir))
    now = datetime.now(UTC)
    text = approval.approve(client_id, "rita", PIN, now)
    with a.store.read() as tx:
        state = tx.visit_state(client_id)
    assert state is not None and (state.status, state.pass_text) == ("approved", text)

    a.proxy.mode = "pass"
    report = a.engine().cycle()
    assert report.approvals_sent == 1

    from central.models import Visit
    from central.services import visits

    with a.srv.central.db.reading() as s:
        v = s.execute(select(Visit).where(Visit.client_id == client_id)).scalar_one()
        assert (v.status, v.kiosk_id, v.kiosk_approved_by, v.pass_text) == (
            "approved", a.kiosk_id, "rita", text)
        assert v.decided_by is not None
    (row,) = [r for r in visits.visit_log(a.srv.central)[0] if r.id == v.id]
    assert (row.kiosk_approved_by, row.status) == ("rita", "approved")
    assert row.kiosk_approved_at is not None

    # Before B syncs it cannot know A's key; after, it verifies A's pass offline.
    b.engine().cycle()
    keys, table = _trusted(b)
    claims = passes.check_pass(text, keys, now=now + timedelta(minutes=5), facilities=table)
    assert claims.entries_allowed == 4  # 2 per person, a party of 2
    assert claims.admits("lobby")
    with a.store.read() as tx:
        assert tx.kiosk_approvals_to_send() == []  # acknowledged: not sent again

    assert PIN not in caplog.text
    with a.store.read() as tx:
        pin_hash = tx.pin_hash("rita")
    assert pin_hash and pin_hash not in caplog.text


def test_wrong_pins_lock_for_15_minutes_across_a_restart(
        make_kiosk: Callable[..., KioskRig], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    a = make_kiosk()
    _receptionist(a)
    a.engine().cycle()
    client_id = _queue(a)
    t0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    approval = PinApproval(a.store, KioskKeyFile(a.data_dir))
    for i in range(MAX_FAILURES - 1):
        with pytest.raises(PinWrong) as wrong:
            approval.approve(client_id, "rita", "000000", t0 + timedelta(seconds=i))
        assert wrong.value.attempts_left == MAX_FAILURES - 1 - i
    with pytest.raises(PinLocked) as locked:
        approval.approve(client_id, "nobody", PIN, t0 + timedelta(seconds=10))  # unknown: counted
    assert locked.value.until == t0 + timedelta(seconds=10) + LOCK_FOR

    a.close()  # a restart: the lock is in the store
    approval = PinApproval(Store.open(a.data_dir), KioskKeyFile(a.data_dir))
    try:
        with pytest.raises(PinLocked):  # the right PIN too, while locked
            approval.approve(client_id, "rita", PIN, t0 + LOCK_FOR + timedelta(seconds=9))
        text = approval.approve(client_id, "rita", PIN, t0 + LOCK_FOR + timedelta(seconds=10))
        assert text
        with pytest.raises(PinUnavailable):  # approved already: nothing waits
            approval.approve(client_id, "rita", PIN, t0 + LOCK_FOR + timedelta(seconds=11))
    finally:
        approval.store.close()
    assert PIN not in caplog.text and "000000" not in caplog.text


def test_a_correct_pin_starts_the_count_again(make_kiosk: Callable[..., KioskRig]) -> None:
    a = make_kiosk()
    _receptionist(a)
    a.engine().cycle()
    t0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    approval = PinApproval(a.store, KioskKeyFile(a.data_dir))
    first, second = _queue(a), _queue(a)
    for i in range(MAX_FAILURES - 1):
        with pytest.raises(PinWrong):
            approval.approve(first, "rita", "1111", t0 + timedelta(seconds=i))
    approval.approve(first, "rita", PIN, t0 + timedelta(seconds=5))
    for i in range(MAX_FAILURES - 1):
        with pytest.raises(PinWrong):
            approval.approve(second, "rita", "1111", t0 + timedelta(seconds=10 + i))
    assert approval.locked_until(t0 + timedelta(seconds=20)) is None


def test_no_pins_synced_is_unavailable(make_kiosk: Callable[..., KioskRig]) -> None:
    a = make_kiosk()
    client_id = _queue(a)
    with pytest.raises(PinUnavailable):
        PinApproval(a.store, KioskKeyFile(a.data_dir)).approve(
            client_id, "rita", PIN, datetime.now(UTC))
    with a.store.read() as tx:
        assert tx.pin_lockout().failures == 0  # not a wrong PIN


def test_approval_after_central_has_the_visit_and_blocklist_still_flags(
        make_kiosk: Callable[..., KioskRig]) -> None:
    """The wait ran out: central has the visit pending; the approval goes to that visit."""
    from central.models import Visit
    from central.services import blocklist

    a = make_kiosk()
    _receptionist(a)
    req = _request()
    number = "E12345678"
    blocklist.add(a.srv.central, None, "passport", number, "test", country="GBR")
    with a.store.write() as tx:
        tx.queue_visit(req, datetime.now(UTC))
    a.engine().cycle()
    with a.store.read() as tx:
        state = tx.visit_state(req.client_id)
    assert state is not None and state.status == "pending" and state.visit_id is not None

    text = PinApproval(a.store, KioskKeyFile(a.data_dir)).approve(
        req.client_id, "rita", PIN, datetime.now(UTC))
    assert a.engine().cycle().approvals_sent == 1
    with a.srv.central.db.reading() as s:
        v = s.get(Visit, state.visit_id)
        assert v is not None
        assert (v.status, v.blocklisted, v.kiosk_approved_by, v.pass_text) == (
            "approved", True, "rita", text)
    with a.store.read() as tx:
        after = tx.visit_state(req.client_id)
    assert after is not None and (after.status, after.pass_text) == ("approved", text)


def test_central_refuses_a_pass_not_signed_by_that_kiosk(make_kiosk: Callable[..., KioskRig]) -> None:
    a, b = make_kiosk(), make_kiosk()
    _receptionist(a)
    a.engine().cycle()
    b.engine().cycle()
    req = _request()
    other = passes.encode_pass(passes.PassClaims(
        pass_id=7, visit_id=0, valid_from=datetime.now(UTC),
        valid_until=datetime.now(UTC) + timedelta(hours=1), facilities=frozenset({"lobby"})),
        KioskKeyFile(b.data_dir).load_or_create())  # B's key, sent as A
    api = a.engine().api
    with pytest.raises(errors.CentralRejected) as refused:
        api.create_visit({**req.to_wire(), "kiosk_approval": {
            "approved_by": "rita", "approved_at": datetime.now(UTC).isoformat(), "pass_text": other}})
    assert refused.value.status == 422


def test_revoked_kiosk_key_is_published_until_its_passes_expire(
        make_kiosk: Callable[..., KioskRig]) -> None:
    from central.services import keys, kiosks

    a = make_kiosk()
    a.engine().cycle()
    mine = KioskKeyFile(a.data_dir).load()
    assert mine is not None
    central = a.srv.central

    def published_ids(at: datetime) -> set[int]:
        return {k["key_id"] for k in keys.published(central, at)}

    assert mine.key_id in published_ids(datetime.now(UTC))
    kiosks.revoke_kiosk(central, a.kiosk_id)
    revoked = datetime.now(UTC)
    last = revoked + MAX_VALIDITY + passes.DEFAULT_SKEW
    assert mine.key_id in published_ids(last - timedelta(seconds=1))
    assert mine.key_id not in published_ids(last + timedelta(seconds=1))


def test_max_validity_matches_what_central_publishes_for() -> None:
    from central.services import kiosks

    assert MAX_VALIDITY == kiosks.KIOSK_PASS_MAX_VALIDITY
