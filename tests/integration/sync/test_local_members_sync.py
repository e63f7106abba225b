"""Local members end to end: `kiosk members import --local` on an enrolled kiosk, a real sync
against a real central (uvicorn on loopback), and the console's members page showing them as
local to that kiosk, masked; central never stores the full name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from central.models import Kiosk, KioskLocalMember
from tests.fixtures.kiosk import member_row, members_csv_bytes
from tests.fixtures.sync import KioskRig, import_members

pytestmark = pytest.mark.integration


def _local_rows(rig: KioskRig) -> list[tuple[str, str, str, str]]:
    with rig.srv.central.db.reading() as s:
        rows = s.execute(select(KioskLocalMember).where(KioskLocalMember.kiosk_id == rig.kiosk_id)
                         .order_by(KioskLocalMember.member_no)).scalars().all()
        return [(m.member_no, m.masked_name, m.status, m.facilities) for m in rows]


def _reported_at(rig: KioskRig) -> list[object]:
    with rig.srv.central.db.reading() as s:
        return list(s.execute(select(KioskLocalMember.reported_at)
                              .where(KioskLocalMember.kiosk_id == rig.kiosk_id)).scalars())


def test_local_members_reach_the_console_masked(make_kiosk: Callable[..., KioskRig],
                                                tmp_path: Path) -> None:
    rig = make_kiosk()
    csv = tmp_path / "local.csv"
    csv.write_bytes(members_csv_bytes([
        member_row("L1", "04A1B2C3", name="张小明", facilities="gym|pool"),
        member_row("L2", "04A1B2C4", name="Jane Smith", status="frozen"),
    ]))
    refused = rig.kiosk_cli("members", "import", str(csv))
    assert refused.returncode == 2 and "owns its member list" in refused.stderr
    done = rig.kiosk_cli("members", "import", str(csv), "--local")
    assert done.returncode == 0, done.stderr

    rig.engine().cycle()  # the first sync is a full copy from central: local members stay
    assert _local_rows(rig) == [("L1", "张*明", "active", "gym|pool"),
                                ("L2", "J*** S****", "frozen", "gym")]
    assert rig.tap("04A1B2C3").granted  # and still opens the gate
    first = _reported_at(rig)
    rig.engine().cycle()
    assert _reported_at(rig) == first  # unchanged list: not sent again

    # Central never holds the full names: not in any byte of its database (file and WAL).
    db_file = rig.srv.data_dir.parent / "central.db"
    raw = b"".join(p.read_bytes() for p in (db_file, db_file.with_name("central.db-wal")) if p.exists())
    assert b"L1" in raw  # the check reads the right database
    assert "张小明".encode() not in raw and b"Jane Smith" not in raw

    # Reception sees them on the members page, marked with the kiosk's name.
    rig.srv.add_user("desk", "receptionist")
    web, _ = rig.srv.login("desk")
    page = web.get(rig.srv.url("/console/members"), headers={"Accept-Language": "en"}, timeout=10)
    assert page.status_code == 200
    with rig.srv.central.db.reading() as s:
        kiosk_name = s.get(Kiosk, rig.kiosk_id).name
    assert 'data-local-member="L1"' in page.text and "张*明" in page.text
    assert f"local to kiosk {kiosk_name}" in page.text
    assert "张小明" not in page.text
    found = web.get(rig.srv.url("/console/members"), params={"q": "L2"}, timeout=10)
    assert 'data-local-member="L2"' in found.text and 'data-local-member="L1"' not in found.text

    # Central takes L1 over (its own import): the kiosk's next sync drops it from the local list.
    import_members(rig.srv, [dict(member_row("L1", "04A1B2C3", name="张小明"))])
    rig.engine().cycle()
    assert _local_rows(rig) == [("L2", "J*** S****", "frozen", "gym")]
