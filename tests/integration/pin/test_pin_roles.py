"""Kiosk PINs with roles on real parts (central on uvicorn, a kiosk's real store and sync): a
technician's or an admin's PIN opens technician mode, a receptionist's does not; a technician's
PIN approves no visitor; a disabled user's PIN stops working after the next sync; wrong PINs
lock technician mode for 15 minutes across a restart, apart from visitor approval's count."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from kiosk.app.errors import PinLocked, PinWrong
from kiosk.app.pin_approval import LOCK_FOR, MAX_FAILURES, PinApproval
from kiosk.app.technician_access import TechnicianAccess
from kiosk.store import Store, VisitorRequest
from kiosk.store.signing_key import KioskKeyFile
from tests.fixtures.sync import KioskRig

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PINS = {"rita": ("receptionist", "482913"), "tom": ("technician", "731904"), "ada": ("admin", "550021")}


@pytest.fixture(autouse=True)
def cheap_pins() -> None:
    from central.services import users

    users.set_pin_hasher(CHEAP)


@pytest.fixture
def rig(make_kiosk: Callable[..., KioskRig]) -> KioskRig:
    from central.services import users

    a = make_kiosk()
    for name, (role, pin) in PINS.items():
        a.srv.add_user(name, role)
        users.set_pin(a.srv.central, name, pin)
    a.engine().cycle()
    return a


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_feed_carries_roles_into_the_store(rig: KioskRig) -> None:
    from kiosk.store.pins import APPROVERS, TECHNICIANS

    with rig.store.read() as tx:
        assert tx.pin_users(APPROVERS) == ["ada", "rita"]
        assert tx.pin_users(TECHNICIANS) == ["ada", "tom"]
        assert tx.pin_hash("tom", APPROVERS) is None and tx.pin_hash("tom", TECHNICIANS)


def test_who_opens_technician_mode(rig: KioskRig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    access = TechnicianAccess(rig.store, Clock())
    assert access.available()
    assert access.verify(PINS["tom"][1]) == "tom"
    assert access.verify(PINS["ada"][1]) == "ada"
    assert access.verify(PINS["rita"][1]) is None  # a receptionist's PIN opens nothing here
    assert access.attempts_left() == MAX_FAILURES - 1
    for _, pin in PINS.values():
        assert pin not in caplog.text
    with rig.store.read() as tx:
        for name in PINS:
            h = tx.pin_hash(name, frozenset(PINS[name][:1]))
            assert h and h not in caplog.text


def test_a_technicians_pin_approves_no_visitor(rig: KioskRig) -> None:
    req = VisitorRequest(id_type="passport", id_number="E12345678", name="Visitor Test",
                         mobile="13800138000", host="Unit 1203", purpose="meeting", party_size=1,
                         id_country="GBR", client_id=str(uuid.uuid4()))
    with rig.store.write() as tx:
        client_id = tx.queue_visit(req, datetime.now(UTC))
    approval = PinApproval(rig.store, KioskKeyFile(rig.data_dir))
    assert approval.receptionists() == ["ada", "rita"]
    with pytest.raises(PinWrong):
        approval.approve(client_id, "tom", PINS["tom"][1], datetime.now(UTC))
    assert approval.approve(client_id, "rita", PINS["rita"][1], datetime.now(UTC))


def test_a_disabled_users_pin_stops_after_the_next_sync(rig: KioskRig) -> None:
    from central.services import users

    access = TechnicianAccess(rig.store, Clock())
    users.disable(rig.srv.central, "tom")
    rig.engine().cycle()
    assert access.verify(PINS["tom"][1]) is None
    assert access.verify(PINS["ada"][1]) == "ada"


def test_wrong_pins_lock_technician_mode_across_a_restart(rig: KioskRig) -> None:
    clock = Clock()
    access = TechnicianAccess(rig.store, clock)
    hostile = ["", "0000", "1" * 10_000, "７３１９０４", "731904\n", "73190", "abc", "731904 "]
    for pin in hostile[:MAX_FAILURES - 1]:
        assert access.verify(pin) is None
    with pytest.raises(PinLocked) as locked:
        access.verify(hostile[MAX_FAILURES - 1])
    assert locked.value.until == clock.now + LOCK_FOR
    # Locked even for the right PIN, and after a restart (a new store and service).
    with pytest.raises(PinLocked):
        access.verify(PINS["tom"][1])
    rig.close()
    again = TechnicianAccess(Store.open(rig.data_dir), clock)
    try:
        clock.now += LOCK_FOR - timedelta(seconds=1)
        with pytest.raises(PinLocked):
            again.verify(PINS["tom"][1])
        # Visitor approval keeps its own count: it is not locked.
        assert PinApproval(again.store, KioskKeyFile(rig.data_dir)).locked_until(clock.now) is None
        clock.now += timedelta(seconds=1)
        assert again.locked_until() is None
        assert again.verify(PINS["tom"][1]) == "tom"
        assert again.attempts_left() == MAX_FAILURES
        for pin in hostile[MAX_FAILURES:]:
            assert again.verify(pin) is None
    finally:
        again.store.close()


def test_four_wrong_then_right_resets_the_count(rig: KioskRig) -> None:
    access = TechnicianAccess(rig.store, Clock())
    for _ in range(MAX_FAILURES - 1):
        assert access.verify("000000") is None
    assert access.verify(PINS["tom"][1]) == "tom"
    for _ in range(MAX_FAILURES - 1):
        assert access.verify("000000") is None  # no lock: the count started over
