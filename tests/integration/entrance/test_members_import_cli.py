"""`kiosk members import FILE.csv` as a real subprocess on a real data_dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.store import Store
from tests.fixtures.kiosk import kiosk_cmd, member_row, write_config


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return write_config(tmp_path / "kiosk.toml", tmp_path / "data", card_reader="sim://",
                        relay="sim://")


def _members(data: Path) -> dict[str, int | None]:
    store = Store.open(data)
    try:
        with store.read() as tx:
            rows = tx.conn.exec_driver_sql("SELECT member_no, visits_remaining FROM members").all()
            return dict(rows)  # type: ignore[arg-type]
    finally:
        store.close()


def test_import_reports_bad_rows_by_line_and_keeps_good_ones(
        cfg: Path, tmp_path: Path, write_members_csv: Callable[..., Path]) -> None:
    first = write_members_csv([member_row("M1", "04A1B2C3", visits=5),
                               member_row("M2", "04A1B2C4")])
    r = kiosk_cmd("members", "import", str(first), "--config", str(cfg))
    assert (r.returncode, r.stderr) == (0, "")
    assert "imported 2 member(s) (2 new, 0 updated)" in r.stdout

    second = write_members_csv([
        member_row("M1", "04A1B2C3", visits=9, name="Secret Name"),
        member_row("M3", "04A1B2C5", valid_until="2026-02-30", name="Other Secret"),
        member_row("M4", "04A1B2C4"),  # M2's card, M2 not in this file
    ])
    r = kiosk_cmd("members", "import", str(second), "--config", str(cfg))
    assert r.returncode == 1
    assert "imported 1 member(s) (0 new, 1 updated)" in r.stdout
    assert f"{second.name}: line 3: valid_until '2026-02-30' is not a valid calendar date" in r.stderr
    assert f"{second.name}: line 4: card ****B2C4 belongs to member M2" in r.stderr
    assert "Secret" not in r.stdout + r.stderr
    assert _members(tmp_path / "data") == {"M1": 9, "M2": None}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"member_no,name\nM9,x\n", "bad header: missing column(s)"),
        (b"member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
         b"M9,\xd5\xc5\xc8\xfd,04A1B2C9,gym,2020-01-01,2099-12-31,active,\n", "not UTF-8"),
    ],
)
def test_unusable_file_changes_nothing(cfg: Path, tmp_path: Path,
                                       write_members_csv: Callable[..., Path], content: bytes,
                                       message: str) -> None:
    good = write_members_csv([member_row("M1", "04A1B2C3", visits=5)])
    assert kiosk_cmd("members", "import", str(good), "--config", str(cfg)).returncode == 0
    db = tmp_path / "data" / "kiosk.db"
    before = _members(tmp_path / "data")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    r = kiosk_cmd("members", "import", str(bad), "--config", str(cfg))
    assert r.returncode == 2
    assert message in r.stderr and "nothing was imported" in r.stderr
    assert _members(tmp_path / "data") == before and db.exists()


def test_missing_file_and_bad_config(cfg: Path, tmp_path: Path) -> None:
    r = kiosk_cmd("members", "import", str(tmp_path / "nope.csv"), "--config", str(cfg))
    assert r.returncode == 2 and "cannot read: No such file or directory" in r.stderr
    bad_cfg = tmp_path / "bad.toml"
    bad_cfg.write_text("[kiosk]\nbogus = 1\n")
    r = kiosk_cmd("members", "import", str(tmp_path / "x.csv"), "--config", str(bad_cfg))
    assert r.returncode == 2 and "unknown key 'bogus'" in r.stderr
