"""The sync engine against the real central on loopback, through a proxy that misbehaves:
the entrance keeps deciding from local data, the status says what is wrong, and reconnecting
drains the backlog exactly once."""

from __future__ import annotations

import json
import stat
from datetime import date

import pytest

from backend_client import errors, status
from central.services import kiosks, members
from kiosk.sync.engine import CycleReport
from tests.fixtures.sync import (
    KioskRig,
    central_event_ids,
    central_members,
    import_members,
    kiosk_members,
    uid_of,
)

FAULTS = {
    "drop": errors.CentralUnreachable,
    "reset": errors.CentralUnreachable,
    "delay": errors.CentralTimeout,
    "http500": errors.CentralServerError,
    "truncate": errors.CentralProtocolError,
    "garbage": errors.CentralProtocolError,
}


def test_enroll_cli_stores_token_0600_and_refuses_a_used_or_bad_code(make_kiosk, sync_central) -> None:
    rig: KioskRig = make_kiosk(enroll=False)
    _, code = kiosks.create_kiosk(sync_central.central, "lobby-east")
    ok = rig.kiosk_cli("enroll", rig.proxy.url, code)
    assert ok.returncode == 0, ok.stderr
    assert "lobby-east" in ok.stdout
    token_file = rig.data_dir / "central_token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text() not in ok.stdout + ok.stderr  # never printed

    again = rig.kiosk_cli("enroll", rig.proxy.url, code)
    assert again.returncode == 1
    assert "wrong, was used already, or expired" in again.stderr
    bad = rig.kiosk_cli("enroll", rig.proxy.url, "not a code!")
    assert bad.returncode == 1 and "enrollment code" in bad.stderr
    url = rig.kiosk_cli("enroll", "ftp://central", code)
    assert url.returncode == 2 and "must be a URL" in url.stderr and "ftp://central" in url.stderr


def test_sync_once_without_enrollment_says_so(make_kiosk) -> None:
    rig: KioskRig = make_kiosk(enroll=False)
    r = rig.kiosk_cli("sync", "--once")
    assert r.returncode == 3 and "not enrolled" in r.stderr
    assert status.read(rig.data_dir)["state"] == "not_enrolled"


def test_members_full_copy_then_deltas_with_tombstones_and_moved_cards(make_kiosk, sync_central) -> None:
    import_members(sync_central, [
        {"member_no": "A1", "card_uid": uid_of(1), "visits_remaining": 5},
        {"member_no": "A2", "card_uid": f"{uid_of(2)}|{uid_of(3)}", "facilities": "gym|pool"},
        {"member_no": "A3", "card_uid": uid_of(4), "status": "frozen"},
    ])
    rig: KioskRig = make_kiosk()
    r = rig.kiosk_cli("sync", "--once")
    assert r.returncode == 0, r.stderr
    assert "full copy" in r.stdout
    assert kiosk_members(rig.data_dir) == central_members(sync_central)

    members.delete_member(sync_central.central, "A3")
    members.upsert(sync_central.central, members.MemberRecord(0,
        "A2", "李华", (uid_of(2),), ("pool",), date(2021, 1, 1),
        date(2030, 1, 1), "active", 2))
    members.upsert(sync_central.central, members.MemberRecord(0,  # a card that left A2
        "A4", "王芳", (uid_of(3),), ("gym",), date(2021, 1, 1),
        date(2030, 1, 1), "blocked", None))
    report = rig.engine().cycle()
    assert not report.full_copy and report.members_deleted == 1
    assert kiosk_members(rig.data_dir) == central_members(sync_central)
    with rig.store.read() as tx:
        assert tx.member_by_uid(uid_of(3)).member_no == "A4"
        assert tx.member("A4").name == "王芳"  # names arrive in clear, are kept encrypted


def test_a_full_copy_drops_members_central_no_longer_has(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": f"B{i}", "card_uid": uid_of(10 + i)} for i in range(5)])
    rig: KioskRig = make_kiosk()
    rig.engine().cycle()
    # Central restored from an older backup: its feed position is behind the kiosk's cursor.
    with rig.store.write() as tx:
        tx.conn.exec_driver_sql("UPDATE meta SET value = '999999' WHERE key = 'sync.members_cursor'")
    members.import_csv(sync_central.central, b"member_no,name,card_uid,facilities,valid_from,"
                       b"valid_until,status,visits_remaining\nB0,x,04AAAAAA,gym,2020-01-01,"
                       b"2099-12-31,active,\n", replace=True)
    report = rig.engine().cycle()
    assert report.full_copy
    assert set(kiosk_members(rig.data_dir)) == {"B0"} == set(central_members(sync_central))


@pytest.mark.parametrize("mode", list(FAULTS))
def test_a_fault_keeps_the_entrance_working_shows_in_status_and_reconnect_drains(
        make_kiosk, sync_central, mode: str) -> None:
    import_members(sync_central, [{"member_no": "C1", "card_uid": uid_of(20), "visits_remaining": 9}])
    rig: KioskRig = make_kiosk()
    rig.engine().cycle()
    rig.proxy.mode = mode
    rig.proxy.delay_s = 3.0  # longer than the 1 s read timeout below
    # Only "delay" is about slowness; the other faults must fail for their own reason, not
    # because a loaded machine kept central's answer past a short read timeout.
    engine = rig.engine(read_timeout_s=1.0 if mode == "delay" else 10.0)

    results = [rig.tap(uid_of(20)), rig.tap("04FFFFFF")]
    assert [r.granted for r in results] == [True, False]
    assert len(rig.relay.pulses) == 1  # the gate opened offline, from local data
    with pytest.raises(FAULTS[mode]):
        engine.cycle()
    st = status.read(rig.data_dir)
    assert st["state"] == "error" and st["last_error_kind"] == FAULTS[mode].kind
    assert st["backlog"] == 2 and "\n" not in st["last_error"]
    if mode not in ("truncate", "delay"):  # those two do reach central; only the answer is lost
        assert central_event_ids(sync_central, rig.kiosk_id) == []

    rig.proxy.mode = "pass"
    engine.cycle()
    st = status.read(rig.data_dir)
    assert (st["state"], st["backlog"]) == ("ok", 0)
    # Each event once, whether or not central had already stored it before the answer was lost.
    assert sorted(central_event_ids(sync_central, rig.kiosk_id)) == sorted(r.event_uuid for r in results)
    # Central took the visit off (9 -> 8); the member list it sends back agrees with the kiosk.
    assert central_members(sync_central)["C1"][1] == 8 == kiosk_members(rig.data_dir)["C1"][1]


def test_unsent_visits_are_not_handed_back_by_a_members_pull(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": "D1", "card_uid": uid_of(30), "visits_remaining": 3}])
    rig: KioskRig = make_kiosk()
    rig.engine().cycle()
    rig.tap(uid_of(30))
    # Something else changes D1 at central while the tap is still in the outbox.
    members.upsert(sync_central.central, members.MemberRecord(0,
        "D1", "张三", (uid_of(30),), ("gym", "pool"), date(2020, 1, 1),
        date(2099, 1, 1), "active", 3))
    engine = rig.engine()
    engine.pull_members(CycleReport())
    assert kiosk_members(rig.data_dir)["D1"][1] == 2  # 3 at central, 1 used here, unsent


def test_status_file_is_what_diag_reads(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    rig.proxy.mode = "reset"
    with pytest.raises(errors.CentralUnreachable):
        rig.engine().cycle()
    raw = json.loads((rig.data_dir / status.STATUS_FILE).read_text())
    assert raw["state"] == "error" and raw["consecutive_failures"] == 1
    line = status.summary(status.read(rig.data_dir))
    assert line.startswith("error, backlog 0, cannot reach")
