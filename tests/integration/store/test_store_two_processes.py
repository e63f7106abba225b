"""Two real processes on one data_dir spend one member's last visit at the same moment: write
transactions start with BEGIN IMMEDIATE, so the second waits for the first and sees the visit
gone (a clean denial), instead of both deciding from the same snapshot and the loser failing
on the lock upgrade."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.store import Event, PulseState, Store
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import member_row, members_csv_bytes

UID = "04A1B2C3"
# How long a process that has read the member waits for the other to have read it too. With
# BEGIN IMMEDIATE the other cannot (it waits for the write lock), so this always runs out
# there; it only needs to be well under the store's busy timeout (10 s).
BOTH_READ_S = 2.0


def _spend(data_dir: str, start: Any, both_read: Any, results: Any) -> None:
    """One kiosk process's tap, as the entrance records it: one write transaction from the
    member lookup to the event row."""
    store = Store.open(Path(data_dir))
    try:
        start.wait(60)
        outcome = "error"
        try:
            with store.write() as tx:
                member = tx.member_by_uid(UID)
                assert member is not None
                try:
                    both_read.wait(BOTH_READ_S)
                except threading.BrokenBarrierError:
                    pass
                granted = bool(member.visits_remaining)
                left = tx.consume_visit(member.member_no) if granted else 0
                tx.insert_event(Event(
                    uuid=str(uuid.uuid4()), at=datetime.now(UTC), facility="gym", direction="entry",
                    card_uid=UID, member_no=member.member_no, granted=granted,
                    reason=None if granted else "no_visits_left", consumed_visit=granted,
                    visits_left=left, pulse_state=PulseState.CONFIRMED if granted else PulseState.NONE))
            outcome = "granted" if granted else "denied"
        finally:
            results.put(outcome)
    finally:
        store.close()


def test_two_processes_spend_the_last_visit_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    with store.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row("M1", UID, visits=1)])).members,
                          datetime.now(UTC))
    ctx = multiprocessing.get_context("spawn")
    start, both_read, results = ctx.Barrier(2), ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_spend, args=(str(data), start, both_read, results)) for _ in range(2)]
    for p in procs:
        p.start()
    try:
        outcomes = sorted(results.get(timeout=60) for _ in procs)
    finally:
        for p in procs:
            p.join(30)
    assert outcomes == ["denied", "granted"]
    with store.read() as tx:
        m = tx.member("M1")
        assert m is not None and m.visits_remaining == 0
        assert sorted(e.granted for e in tx.events()) == [False, True]
    store.close()
