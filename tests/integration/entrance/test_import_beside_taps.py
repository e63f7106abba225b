"""A members import in another process's store handle commits in short slices: taps between
slices are served, see the members already written, and members_as_of moves only at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import devices
from kiosk.app import EntranceSettings, Gate, MemberEntrance
from kiosk.commands.members_import import import_file
from kiosk.domain.model import Policy
from kiosk.entrance import EntranceResult
from kiosk.store import Store, Tx
from kiosk.store import store as store_module
from lobby_core.members_csv import parse_csv
from tests.fixtures.kiosk import FakeClock, RecordingRelay, member_row, members_csv_bytes

pytestmark = pytest.mark.integration

ROWS = 5_000  # 3 slices of store.IMPORT_COMMIT_ROWS


def test_taps_are_served_between_the_slices_of_an_import(
        tmp_path: Path, clock: FakeClock, recording_relay: RecordingRelay, monkeypatch) -> None:
    data = tmp_path / "data"
    kiosk = Store.open(data)
    before = clock()
    with kiosk.write() as tx:
        tx.import_members(parse_csv(members_csv_bytes([member_row("M0", "0A000000")])).members,
                          before)
    pipeline = MemberEntrance(kiosk, Gate(kiosk, recording_relay),
                              EntranceSettings("gym", Policy(zone=ZoneInfo("Asia/Shanghai"))),
                              clock=clock)
    csv = tmp_path / "big.csv"
    csv.write_bytes(members_csv_bytes(
        [member_row(f"X{i}", f"{0x10000000 + i:08X}") for i in range(ROWS)]))
    assert ROWS > 2 * store_module.IMPORT_COMMIT_ROWS

    importer = Store.open(data)  # as `kiosk members import` would, beside the running kiosk
    seen: list[tuple[EntranceResult, object]] = []
    original = importer.write

    @contextmanager
    def write_after_a_tap() -> Iterator[Tx]:
        # Between two of the import's transactions: a member of the first slice taps in.
        clock.advance(minutes=3)  # past anti-passback: each tap is judged afresh
        result = pipeline.handle_tap(devices.Tap(uid="10000000", atr="", reader="t", at=clock()))
        with kiosk.read() as tx:
            seen.append((result, tx.members_as_of()))
        with original() as tx:
            yield tx

    monkeypatch.setattr(importer, "write", write_after_a_tap)
    imported_at = before + timedelta(days=1)
    result, errors = import_file(importer, csv, imported_at)
    importer.close()
    assert (result.created, errors) == (ROWS, [])
    # The first write saw nothing of X0 yet; every later one sees it granted.
    assert [r.granted for r, _ in seen][:1] == [False]
    assert len(seen) >= 3 and all(r.granted for r, _ in seen[1:])
    assert all(as_of == before for _, as_of in seen)  # stamped by the last slice only
    with kiosk.read() as tx:
        assert tx.members_as_of() == imported_at
    kiosk.close()
