"""The sync engine's use of the store against the real central: visitor registrations (typed,
ID number under its own key, a 0003-format one still sent after the upgrade), members_as_of
stamped at the start of a pull, and the one backlog figure in the status and `kiosk diag`."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from backend_client import status, wire
from central.models import Visit
from kiosk.store import Store, VisitorRequest
from kiosk.store.names import KEY_FILENAME, NameCipher
from kiosk.store.visitors import ID_KEY_FILENAME
from kiosk.sync.engine import CycleReport, SyncSettings
from tests.fixtures.sync import KioskRig, import_members, uid_of

ID_NUMBER = "11010519491231002X"


def _now() -> datetime:
    return datetime.now(UTC)


def _central_visit(rig: KioskRig, client_id: str) -> tuple[Visit, str]:
    """Central's row for the visit and the ID number it decrypts to."""
    with rig.srv.central.db.reading() as s:
        v = s.execute(select(Visit).where(Visit.client_id == client_id)).scalar_one()
        s.expunge(v)
    assert v.id_number_enc is not None
    return v, rig.srv.central.secrets.decrypt(v.id_number_enc).decode()


def _db_bytes(data_dir: Path) -> bytes:
    """Every byte SQLite keeps for the store: the file and its WAL."""
    return b"".join(p.read_bytes() for p in data_dir.glob("kiosk.db*") if p.is_file())


def test_visitor_id_number_is_never_in_clear_has_its_own_key_and_is_forgotten(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    req = VisitorRequest(id_type="cn_ric", id_number=ID_NUMBER, name="王小二", mobile="13800138000",
                         host="3-1201", purpose="visit", party_size=2)
    assert ID_NUMBER not in repr(req) and "王小二" not in repr(req)  # stays out of logs
    with rig.store.write() as tx:
        client_id = tx.queue_visit(req, _now())
    raw = _db_bytes(rig.data_dir)
    assert ID_NUMBER.encode() not in raw and "王小二".encode() not in raw
    assert b"3-1201" not in raw  # the whole registration is encrypted, not just the ID number

    key = rig.data_dir / ID_KEY_FILENAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes() != (rig.data_dir / KEY_FILENAME).read_bytes()
    with rig.store.read() as tx:
        blob, rest = tx.conn.exec_driver_sql(
            "SELECT id_number_enc, request_enc FROM sync_visits").one()
        (queued,) = tx.queued_visits()
    # The member-name key opens the registration but not the ID number, and the registration
    # does not carry the ID number.
    names = NameCipher.in_dir(rig.data_dir)
    assert names.decrypt(client_id, blob) == ""
    assert ID_NUMBER not in names.decrypt(client_id, rest)
    assert queued.request == req

    report = rig.engine().cycle()
    assert report.visits_sent == 1
    v, number = _central_visit(rig, client_id)
    assert (number, v.name, v.mobile, v.host, v.purpose, v.party_size, v.id_type) == (
        ID_NUMBER, "王小二", "13800138000", "3-1201", "visit", 2, "cn_ric")
    with rig.store.read() as tx:
        assert tx.conn.exec_driver_sql(
            "SELECT id_number_enc, request_enc FROM sync_visits").one() == (None, None)
        st = tx.visit_state(client_id)
        assert st is not None and st.status == "pending" and st.visit_id == v.id


def test_a_visit_queued_by_revision_0003_is_sent_correctly_after_the_upgrade(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    old = Store.open(rig.data_dir, revision="0003")
    client_id = "0b0d1f4e-4f7e-4c8e-9f52-6a1f2d3c4b5a"
    body = {"client_id": client_id, "id_type": "cn_ric", "id_number": ID_NUMBER, "name": "王小二",
            "mobile": "13800138000", "host": "3-1201", "purpose": "visit"}
    # What revision 0003's store_ops.queue_visit wrote: the whole request, ID number included,
    # as JSON under the member-name key.
    enc = NameCipher.in_dir(rig.data_dir).encrypt(client_id, json.dumps(body, ensure_ascii=False))
    with old.write() as tx:
        tx.conn.exec_driver_sql(
            "INSERT INTO sync_visits (client_id, created_at, request_enc, status, updated_at) "
            "VALUES (?, '2026-06-01 02:00:00.000000', ?, 'queued', '2026-06-01 02:00:00.000000')",
            (client_id, enc))
    old.close()

    report = rig.engine().cycle()  # rig.store opens at head: revision 0004
    assert report.visits_sent == 1
    v, number = _central_visit(rig, client_id)
    assert (number, v.name, v.host, v.party_size) == (ID_NUMBER, "王小二", "3-1201", 1)
    with rig.store.read() as tx:
        assert tx.conn.exec_driver_sql("SELECT request_enc FROM sync_visits").scalar() is None
        st = tx.visit_state(client_id)
    assert st is not None and st.status == "pending"


def test_members_as_of_is_when_the_pull_started_not_when_it_ended(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": f"S{i}", "card_uid": uid_of(100 + i)} for i in range(5)])
    rig: KioskRig = make_kiosk()
    engine = rig.engine(SyncSettings(page_size=2))
    asked: list[datetime] = []
    real = engine.api.members_page

    def members_page(after: int, limit: int) -> wire.MembersPage:
        asked.append(_now())  # the real request follows: central answers as of after this
        return real(after, limit)

    engine.api.members_page = members_page  # type: ignore[method-assign]
    before = _now()
    report = CycleReport()
    engine.pull_members(report)
    assert report.members_upserted == 5 and len(asked) == 3
    with rig.store.read() as tx:
        as_of = tx.members_as_of()
    # A change central made after the first page was read may be missing from the copy: the
    # copy is only "as of" before that page was asked for.
    assert as_of is not None and before <= as_of <= asked[0]


def test_backlog_counts_pending_rows_in_status_and_diag_reads_it_live(make_kiosk, sync_central) -> None:
    import_members(sync_central, [{"member_no": "P1", "card_uid": uid_of(200)}])
    rig: KioskRig = make_kiosk()
    rig.engine().cycle()
    tap = rig.tap(uid_of(200))
    with rig.store.write() as tx:  # a second tap whose pulse is still in flight
        tx.conn.exec_driver_sql(
            "INSERT INTO access_events (uuid, at, facility, direction, card_uid, member_no, granted, "
            "reason, consumed_visit, visits_left, pulse_state, synced_at) VALUES ('in-flight', "
            "'2026-06-01 02:00:00.000000', 'gym', 'entry', ?, 'P1', 1, NULL, 0, NULL, 'pending', NULL)",
            (uid_of(200),))
    rig.proxy.mode = "reset"
    engine = rig.engine()
    try:
        engine.cycle()
    except Exception:  # noqa: BLE001 - central is unreachable on purpose
        pass
    assert status.read(rig.data_dir)["backlog"] == 2  # the figure the engine wrote on failure
    rig.proxy.mode = "pass"
    engine.cycle()
    # The settled tap was sent; the pending one is not yet sendable but central lacks it too.
    assert status.read(rig.data_dir)["backlog"] == 1
    with rig.store.read() as tx:
        assert tx.event(tap.event_uuid).synced_at is not None  # type: ignore[union-attr]

    rig.tap(uid_of(200))  # after the last cycle: the file still says 1
    assert status.read(rig.data_dir)["backlog"] == 1
    assert _diag_backlog(rig) == 2  # counted from the store just now


def test_diag_falls_back_to_the_status_files_figure(make_kiosk, tmp_path: Path) -> None:
    rig: KioskRig = make_kiosk()
    book = status.StatusBook(rig.data_dir)
    book.set_backlog(7)
    rig.store  # noqa: B018 - create the database
    rig.close()
    (rig.data_dir / "kiosk.db").write_bytes(b"this is not a database" * 100)
    for wal in rig.data_dir.glob("kiosk.db-*"):
        wal.unlink()
    assert _diag_backlog(rig) == 7  # the store cannot be read: the status file's figure


def _diag_backlog(rig: KioskRig) -> int:
    """The backlog `kiosk diag --json` reports (its sync.backlog check's count)."""
    out = rig.kiosk_cli("diag", "--json")
    report: dict[str, Any] = json.loads(out.stdout)
    [backlog] = [c for c in report["checks"] if c["id"] == "sync.backlog"]
    return int(backlog["params"]["count"])
