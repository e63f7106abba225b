"""SIGKILL `kiosk sync --once` mid-push and mid-pull, ten times, at random points inside each
phase, while central and the kiosk keep changing. After recovery central holds every access
event exactly once, the outbox is empty, and the kiosk's members equal central's."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime

from central import counters
from central.errors import NotFound
from central.services import members
from kiosk.store import Event, PulseState
from tests.fixtures.central import wait_until
from tests.fixtures.sync import (
    KIOSK_BIN,
    REPO,
    KioskRig,
    central_event_ids,
    central_members,
    central_members_csv,
    kiosk_members,
    uid_of,
)

KILLS = 10
MEMBERS = 6000
EVENTS_PER_ROUND = 1200


def _add_events(rig: KioskRig, n: int, rng: random.Random) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    now = datetime.now(UTC)
    with rig.store.write() as tx:
        for i, ev_id in enumerate(ids):
            granted = rng.random() < 0.8
            tx.insert_event(Event(
                uuid=ev_id, at=now, facility="gym", direction="entry", card_uid=uid_of(i),
                member_no=f"K{rng.randrange(MEMBERS)}", granted=granted,
                reason=None if granted else "expired", consumed_visit=False, visits_left=None,
                pulse_state=PulseState.CONFIRMED if granted else PulseState.NONE))
    return ids


def _churn(rig: KioskRig, round_no: int, rng: random.Random) -> None:
    """Central changes a third of the members and deletes a few between kills."""
    rows = [{"member_no": f"K{i}", "card_uid": uid_of(i), "visits_remaining": round_no * 10 + i % 7,
             "status": rng.choice(["active", "frozen"])}
            for i in rng.sample(range(MEMBERS), MEMBERS // 3)]
    result = members.import_csv(rig.srv.central, central_members_csv(rows))
    assert not result.errors
    for no in rng.sample(range(MEMBERS), 5):
        with contextlib.suppress(NotFound):  # deleted in an earlier round
            members.delete_member(rig.srv.central, f"K{no}")


def _outbox(rig: KioskRig) -> int:
    with closing(sqlite3.connect(rig.data_dir / "kiosk.db", timeout=5)) as db:
        return int(db.execute("SELECT count(*) FROM access_events WHERE synced_at IS NULL").fetchone()[0])


def _cursor(rig: KioskRig) -> int:
    with closing(sqlite3.connect(rig.data_dir / "kiosk.db", timeout=5)) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'sync.members_cursor'").fetchone()
    return int(row[0]) if row else 0


def _head(rig: KioskRig) -> int:
    with rig.srv.central.db.reading() as s:
        return counters.current(s, counters.MEMBERS)


def _sync_proc(rig: KioskRig) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*KIOSK_BIN, "sync", "--once", "--config", str(rig.config_path)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_mid_push_and_mid_pull_loses_nothing_and_doubles_nothing(make_kiosk, sync_central) -> None:
    rng = random.Random(os.environ.get("SYNC_CRASH_SEED", "5"))
    rows = [{"member_no": f"K{i}", "card_uid": uid_of(i), "visits_remaining": i % 5 or ""}
            for i in range(MEMBERS)]
    assert not members.import_csv(sync_central.central, central_members_csv(rows)).errors
    rig: KioskRig = make_kiosk()
    rig.store  # noqa: B018 - create and migrate the kiosk database before the first kill
    all_ids: list[str] = []
    phases = {"push": 0, "pull": 0}
    for round_no in range(KILLS):
        all_ids += _add_events(rig, EVENTS_PER_ROUND, rng)
        _churn(rig, round_no, rng)
        phase = "push" if round_no % 2 == 0 else "pull"
        before_outbox, before_cursor, head = _outbox(rig), _cursor(rig), _head(rig)
        proc = _sync_proc(rig)
        try:
            if phase == "push":
                # Somewhere inside the push: some batches acknowledged, not all.
                wait_until(lambda b=before_outbox, p=proc: _outbox(rig) < b or p.poll() is not None,
                           30, "the push to start", interval=0.002)
            else:
                # The push is done; somewhere inside the members pull.
                wait_until(lambda b=before_cursor, p=proc: _cursor(rig) != b or p.poll() is not None,
                           30, "the pull to start", interval=0.002)
            time.sleep(rng.uniform(0, 0.08))  # a random point within the phase
            mid = (0 < _outbox(rig) < before_outbox) if phase == "push" else (
                _cursor(rig) != before_cursor and _cursor(rig) < head)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        phases[phase] += int(mid and proc.returncode == -signal.SIGKILL)

    assert phases["push"] >= 2 and phases["pull"] >= 2, f"kills that landed mid-phase: {phases}"

    rig.close()  # nothing of ours holds the database while the recovering sync runs
    for _ in range(3):
        r = subprocess.run([*KIOSK_BIN, "sync", "--once", "--config", str(rig.config_path)],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
        if r.returncode == 0:
            break
    assert r.returncode == 0, r.stderr
    stored = central_event_ids(sync_central, rig.kiosk_id)
    assert len(stored) == len(set(stored)) == len(all_ids)
    assert set(stored) == set(all_ids)
    assert _outbox(rig) == 0
    assert kiosk_members(rig.data_dir) == central_members(sync_central)
