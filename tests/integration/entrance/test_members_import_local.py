"""`kiosk members import` on an enrolled kiosk: refused (central owns the list) unless --local,
and then the members are this kiosk's own: kept through central's full copy, reported by
member number and masked name only, taken over when central sends the same number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from backend_client import wire
from backend_client.token_store import TokenStore
from kiosk.store import Store
from kiosk.sync.client import save_enrollment
from tests.fixtures.kiosk import kiosk_cmd, member_row, write_config

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return write_config(tmp_path / "kiosk.toml", tmp_path / "data", card_reader="sim://",
                        relay="sim://")


def _enroll(data: Path, how: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    if how == "record":
        save_enrollment(data, "https://central.example:8443", 7, "Lobby")
    TokenStore(data).save("t" * 40)


def _members(data: Path) -> set[str]:
    store = Store.open(data)
    try:
        with store.read() as tx:
            return {r[0] for r in tx.conn.exec_driver_sql("SELECT member_no FROM members")}
    finally:
        store.close()


@pytest.mark.parametrize("how", ["record", "token only"])
def test_enrolled_kiosk_refuses_a_plain_import_and_changes_nothing(
        cfg: Path, tmp_path: Path, how: str, write_members_csv: Callable[..., Path]) -> None:
    data = tmp_path / "data"
    _enroll(data, how)
    csv = write_members_csv([member_row("L1", "04A1B2C3", name="张小明")])
    r = kiosk_cmd("members", "import", str(csv), "--config", str(cfg))
    assert r.returncode == 2
    assert "enrolled with central" in r.stderr and "owns its member list" in r.stderr
    assert "--local" in r.stderr and "Nothing was imported" in r.stderr
    if how == "record":
        assert "https://central.example:8443" in r.stderr
    assert r.stdout == ""
    assert not (data / "kiosk.db").exists() or _members(data) == set()


def test_standalone_kiosk_imports_as_before(cfg: Path, tmp_path: Path,
                                            write_members_csv: Callable[..., Path]) -> None:
    csv = write_members_csv([member_row("S1", "04A1B2C3")])
    r = kiosk_cmd("members", "import", str(csv), "--config", str(cfg))
    assert (r.returncode, r.stderr) == (0, "")
    store = Store.open(tmp_path / "data")
    try:
        with store.read() as tx:
            assert tx.local_member_count() == 0  # a standalone kiosk's members are not "local"
    finally:
        store.close()


def test_local_import_on_an_enrolled_kiosk(cfg: Path, tmp_path: Path,
                                           write_members_csv: Callable[..., Path]) -> None:
    data = tmp_path / "data"
    _enroll(data, "record")
    csv = write_members_csv([
        member_row("L1", "04A1B2C3", name="张小明", facilities="gym|pool", valid_until="2027-03-31"),
        member_row("L2", "04A1B2C4", name="Jane Smith", status="frozen"),
        member_row("L3", "04A1B2C5", valid_until="2026-02-30"),  # refused: not marked either
    ])
    r = kiosk_cmd("members", "import", str(csv), "--local", "--config", str(cfg))
    assert r.returncode == 1, r.stderr
    assert "imported 2 member(s) (2 new, 0 updated) as local members of this kiosk" in r.stdout
    assert "reported to central at the next sync" in r.stdout
    assert "张小明" not in r.stdout + r.stderr
    store = Store.open(data)
    try:
        with store.read() as tx:
            report = tx.local_members_report()
    finally:
        store.close()
    assert [(m.member_no, m.masked_name, m.status, m.facilities, m.valid_until) for m in report] == [
        ("L1", "张*明", "active", ("gym", "pool"), date(2027, 3, 31)),
        ("L2", "J*** S****", "frozen", ("gym",), date(2099, 12, 31)),
    ]


def test_local_import_cannot_change_a_member_central_sent(
        cfg: Path, tmp_path: Path, write_members_csv: Callable[..., Path]) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    try:
        with store.write() as tx:  # C1 arrived from central's feed
            tx.apply_members_page(_page([_item("C1", "04000009")], 3), NOW)
    finally:
        store.close()
    _enroll(data, "record")
    csv = write_members_csv([member_row("C1", "04000009", status="blocked"),
                             member_row("L1", "04000001")])
    r = kiosk_cmd("members", "import", str(csv), "--local", "--config", str(cfg))
    assert r.returncode == 1
    assert "line 2: member C1 is in central's member list: change it at central" in r.stderr
    assert "imported 1 member(s) (1 new, 0 updated) as local members" in r.stdout
    store = Store.open(data)
    try:
        with store.read() as tx:
            c1 = tx.member("C1")
            assert c1 is not None and c1.status.value == "active"  # untouched
            assert [m.member_no for m in tx.local_members_report()] == ["L1"]
        # Importing the same file again: L1 is a local member now, not central's.
        r2 = kiosk_cmd("members", "import", str(csv), "--local", "--config", str(cfg))
        assert "imported 1 member(s) (0 new, 1 updated)" in r2.stdout
    finally:
        store.close()


def _page(items: list[wire.MemberItem], cursor: int, reset: bool = False) -> wire.MembersPage:
    return wire.MembersPage(items=items, next_cursor=cursor, has_more=False, reset=reset)


def _item(no: str, uid: str, name: str = "王芳") -> wire.MemberItem:
    return wire.MemberItem(member_no=no, version=1, name=name, card_uids=[uid], facilities=["gym"],
                           valid_from=date(2020, 1, 1), valid_until=date(2099, 12, 31),
                           status="active", visits_remaining=None, deleted=False)


def test_full_copy_from_central_keeps_local_members_and_drops_the_rest(
        tmp_path: Path) -> None:
    from lobby_core.members_csv import parse_csv
    from tests.fixtures.kiosk import members_csv_bytes

    store = Store.open(tmp_path / "data")
    try:
        plain = parse_csv(members_csv_bytes([member_row("P1", "04000001")])).members
        local = parse_csv(members_csv_bytes([member_row("L1", "04000002"),
                                             member_row("L2", "04000003")])).members
        store.import_members(plain, NOW)
        store.import_members(local, NOW, local=True)
        with store.write() as tx:
            # Central's full copy: C1, and L2 (central now knows that number: it takes it over).
            tx.apply_members_page(_page([_item("C1", "04000004"), _item("L2", "04000003")], 5,
                                        reset=True), LATER)
            removed = tx.finish_resync()
        with store.read() as tx:
            nos = {r[0] for r in tx.conn.exec_driver_sql("SELECT member_no FROM members")}
            reported = [m.member_no for m in tx.local_members_report()]
            l1 = tx.member_by_uid("04000002")
        assert removed == 1  # P1: imported without --local, not in central's copy
        assert nos == {"C1", "L1", "L2"}
        assert reported == ["L1"]  # L2 is central's now
        assert l1 is not None and l1.member_no == "L1"  # and still opens the gate
        # A tombstone from central for a local member's number removes it, mark and all.
        with store.write() as tx:
            gone = _item("L1", "04000002").model_copy(update={"deleted": True})
            tx.apply_members_page(_page([gone], 6), LATER)
        with store.read() as tx:
            assert tx.local_member_count() == 0
    finally:
        store.close()


def test_migration_0009_keeps_members_and_adds_the_local_mark(tmp_path: Path) -> None:
    from kiosk.store import migrate
    from lobby_core.members_csv import parse_csv
    from tests.fixtures.kiosk import members_csv_bytes

    data = tmp_path / "data"
    old = Store.open(data, revision="0008")
    try:
        old.import_members(parse_csv(members_csv_bytes([member_row("P1", "04000001")])).members, NOW)
    finally:
        old.close()
    store = Store.open(data)
    try:
        assert migrate.current(store.engine) == migrate.head()
        with store.read() as tx:
            assert tx.member("P1") is not None and tx.local_member_count() == 0
        store.import_members(parse_csv(members_csv_bytes([member_row("L1", "04000002")])).members,
                             NOW, local=True)
        with store.read() as tx:
            assert [m.member_no for m in tx.local_members_report()] == ["L1"]
    finally:
        store.close()
