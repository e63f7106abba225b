"""`kiosk members import FILE.csv`: load members into the local store (standalone installs).

Exit status: 0 every row imported; 1 some rows refused (the good ones are imported, each bad
one is listed with its line number and reason); 2 nothing imported (config or file problem) or
the store failed part-way. The file is written in short transactions so the running kiosk's
taps never wait behind it. Output names member numbers and line numbers, never a member's name.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from kiosk import config
from kiosk.store import ImportResult, Store, StoreError
from lobby_core.members_csv import CsvFileError, RowError, parse_csv

MAX_FILE_BYTES = 200 * 1024 * 1024  # ~1M members fit in well under this


def import_file(store: Store, path: Path, now: datetime | None = None) -> tuple[ImportResult, list[RowError]]:
    """Parse and import one file (in short transactions); raises CsvFileError/StoreError/OSError."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CsvFileError(f"the file is {size // (1024 * 1024)} MB; the limit is "
                           f"{MAX_FILE_BYTES // (1024 * 1024)} MB")
    parsed = parse_csv(path.read_bytes())
    result = store.import_members(parsed.members, now or datetime.now(UTC))
    errors = sorted([*parsed.errors, *result.errors], key=lambda e: e.line)
    return result, errors


def main(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    try:
        store = Store.open(cfg.data_path)
    except StoreError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    try:
        result, errors = import_file(store, path)
    except CsvFileError as exc:
        print(f"kiosk: {path}: {exc}; nothing was imported", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"kiosk: {path}: cannot read: {exc.strerror}; nothing was imported", file=sys.stderr)
        return 2
    except StoreError as exc:
        # Slices already committed stay (each member whole); importing again finishes the job.
        print(f"kiosk: {exc}; the import stopped part-way: import the file again",
              file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"{path}: imported {result.created + result.updated} member(s) "
          f"({result.created} new, {result.updated} updated)")
    if errors:
        print(f"{len(errors)} row(s) refused, nothing of them was written:", file=sys.stderr)
        for e in errors:
            print(f"  {path.name}: {e}", file=sys.stderr)
        return 1
    return 0
