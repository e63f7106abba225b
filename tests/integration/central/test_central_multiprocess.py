"""Scale path: two API processes over one PostgreSQL database. A kiosk long-polls on one, the
approval is made through the other; LISTEN/NOTIFY must carry the wake-up across."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from central.services import visits
from lobby_core import passes
from tests.fixtures.central import PgCluster, start_central_server, wait_until


def test_notify_wakes_a_long_poll_held_by_another_process(pg_cluster: PgCluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database()
    # The periodic re-read is pushed past the poll's wait: only a NOTIFY can answer it in time.
    a = start_central_server(url, tmp_path / "data", longpoll_recheck=120.0)
    b = start_central_server(url, tmp_path / "data", longpoll_recheck=120.0)
    try:
        k = a.kiosk_session(a.add_kiosk("Lobby"))
        v = k.post(
            a.url("/api/v1/visits"),
            json={
                "client_id": str(uuid.uuid4()),
                "id_type": "passport",
                "id_number": "E12345678",
                "id_country": "USA",
                "name": "V",
                "mobile": "13800138000",
                "host": "1-101",
                "purpose": "visit",
            },
        ).json()
        cursor = k.get(a.url("/api/v1/updates")).json()["next_cursor"]
        import threading

        box: dict[str, object] = {}
        t = threading.Thread(
            target=lambda: box.setdefault(
                "r", k.get(a.url("/api/v1/updates"), params={"after": cursor, "wait": 30}, timeout=40).json()
            )
        )
        t.start()
        wait_until(lambda: a.central.wakeups.waiting >= 1, 10, "the long-poll to wait on A")
        assert b.central.wakeups.waiting == 0
        visits.approve_visit(b.central, v["visit_id"], None)  # through B's own context
        t.join(timeout=40)
        body = box["r"]
        assert isinstance(body, dict) and body["items"], "A's long-poll ended without the approval"
        text = body["items"][0]["payload"]["pass"]["text"]
        trust = passes.TrustedKeys.from_published(k.get(b.url("/api/v1/keys")).json()["keys"])
        assert passes.check_pass(text, trust, now=datetime.now(UTC)).visit_id == v["visit_id"]
    finally:
        a.stop()
        b.stop()
