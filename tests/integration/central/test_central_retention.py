"""The retention purge leaves no personal text behind: not in the visit's free-text fields, not
in the idempotency digest, not in the kiosk updates feed, not in removed blocklist entries —
checked through SQL on both backends and in the raw SQLite files (database and WAL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from central.models import BlocklistEntry, KioskUpdate, Visit
from central.services import blocklist, retention, visits
from tests.fixtures.central import CentralServer

RIC = "11010519491231002X"
PURPOSE = "Visiting Zhang Weiming about his divorce papers"
DENY = "Zhang Weiming asked us to keep Li Xiaolong out"
BLOCKED_NAME = "Wang Dachui"


def _visit(srv: CentralServer, kiosk: Any, purpose: str) -> int:
    body = {
        "client_id": str(uuid.uuid4()),
        "id_type": "cn_ric",
        "id_number": RIC,
        "name": "Li Xiaolong",
        "mobile": "13800138000",
        "host": "Unit 12-301",
        "purpose": purpose,
    }
    r = kiosk.post(srv.url("/api/v1/visits"), json=body, timeout=10)
    assert r.status_code == 201, r.text
    return int(r.json()["visit_id"])


def _raw_sqlite(srv: CentralServer) -> bytes:
    db = Path(make_url(srv.central.settings.database_url).database or "")
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert db in files
    return b"".join(p.read_bytes() for p in files)


def test_purge_clears_free_text_digests_updates_and_removed_blocklist_entries(
    central_server: CentralServer,
) -> None:
    srv, c = central_server, central_server.central
    kiosk = srv.kiosk_session(srv.add_kiosk())
    # Several rows, so the page holds freed cells after the purge rewrites them (secure_delete).
    others = [_visit(srv, kiosk, f"{PURPOSE} #{i}") for i in range(8)]
    for vid in others:
        visits.deny_visit(c, vid, None, f"{DENY} #{vid}")
    denied = _visit(srv, kiosk, PURPOSE)
    visits.deny_visit(c, denied, None, DENY)
    approved = _visit(srv, kiosk, PURPOSE + " (again)")
    visits.approve_visit(c, approved, None)
    entry = blocklist.add(c, None, "cn_ric", RIC, "shouted at staff", name=BLOCKED_NAME)
    blocklist.remove(c, entry)
    with c.db.reading() as s:
        digest = s.get(Visit, denied).request_digest  # type: ignore[union-attr]
        id_hash = s.get(BlocklistEntry, entry).id_hash  # type: ignore[union-attr]
        n_updates = s.scalar(select(func.count()).select_from(KioskUpdate))
    assert len(digest) == 64 and len(id_hash) == 64 and n_updates == 10

    # Within the retention period nothing is touched.
    retention.run_all(c, datetime.now(UTC) + timedelta(days=29))
    with c.db.reading() as s:
        assert s.get(Visit, denied).purpose == PURPOSE  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(KioskUpdate)) == 10
        assert s.get(BlocklistEntry, entry).name == BLOCKED_NAME  # type: ignore[union-attr]

    result = retention.run_all(c, datetime.now(UTC) + timedelta(days=31))
    assert result["visits_purged"] == 10 and result["kiosk_updates_deleted"] == 10
    assert result["blocklist_entries_purged"] == 1
    with c.db.reading() as s:
        for vid in (*others, denied, approved):
            v = s.get(Visit, vid)
            assert v is not None and v.purged_at is not None
            assert v.purpose == "" and v.deny_reason is None and v.request_digest == ""
            assert v.name and "Xiaolong" not in v.name
        assert s.scalar(select(func.count()).select_from(KioskUpdate)) == 0
        e = s.get(BlocklistEntry, entry)
        assert e is not None and e.name is None and e.id_hash == "" and e.reason == "shouted at staff"
    assert retention.run_all(c, datetime.now(UTC) + timedelta(days=32))["visits_purged"] == 0

    if c.db.is_sqlite:
        raw = _raw_sqlite(srv)
        assert len(raw) > 10_000
        for text in (PURPOSE, DENY, BLOCKED_NAME, "Li Xiaolong", "Zhang Weiming", digest, id_hash):
            assert text.encode() not in raw, f"{text!r} still in the SQLite files"


def test_purge_clears_visits_purged_by_an_older_version(central_server: CentralServer) -> None:
    """Rows purged before purpose and digests were cleared get cleared on the next run."""
    srv, c = central_server, central_server.central
    kiosk = srv.kiosk_session(srv.add_kiosk())
    vid = _visit(srv, kiosk, PURPOSE)
    visits.deny_visit(c, vid, None, DENY)
    with c.db.writing() as s:
        v = s.get(Visit, vid)
        assert v is not None
        v.name, v.mobile, v.id_number_enc, v.id_hash = "L**", None, None, None
        v.purged_at = datetime.now(UTC)
    retention.run_all(c)
    with c.db.reading() as s:
        v = s.get(Visit, vid)
        assert v is not None and v.purpose == "" and v.deny_reason is None and v.request_digest == ""
