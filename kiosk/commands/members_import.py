"""`kiosk members import FILE.csv [--local]`: load members into the local store (standalone installs).

On a kiosk enrolled with central the import is refused: central owns the member list there,
and a member added only here would open the gate yet be nowhere in the console. `--local` says
that is meant: the members are marked as this kiosk's own, kept through central's full copies,
and reported to central, whose members page lists them as local to this kiosk.

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

from backend_client.token_store import TokenStore
from kiosk import config
from kiosk.store import ImportResult, Store, StoreError
from kiosk.sync.client import enrolled_url
from lobby_core.members_csv import CsvFileError, RowError, parse_csv

MAX_FILE_BYTES = 200 * 1024 * 1024  # ~1M members fit in well under this


def import_file(store: Store, path: Path, now: datetime | None = None, *, local: bool = False,
                central_owned: bool = False) -> tuple[ImportResult, list[RowError]]:
    """Parse and import one file (in short transactions); raises CsvFileError/StoreError/OSError.

    `central_owned` (a --local import on an enrolled kiosk): a row for a member central sent
    is refused; changing it here would only last until central next sends that member."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CsvFileError(f"the file is {size // (1024 * 1024)} MB; the limit is "
                           f"{MAX_FILE_BYTES // (1024 * 1024)} MB")
    parsed = parse_csv(path.read_bytes())
    records, refused = list(parsed.members), []
    if central_owned:
        with store.read() as tx:
            centrals = tx.central_member_nos([r.member_no for r in records])
        refused = [RowError(r.line, f"member {r.member_no} is in central's member list: change "
                                    "it at central, not here") for r in records if r.member_no in centrals]
        records = [r for r in records if r.member_no not in centrals]
    result = store.import_members(records, now or datetime.now(UTC), local=local)
    errors = sorted([*parsed.errors, *refused, *result.errors], key=lambda e: e.line)
    return result, errors


def main(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    local = bool(getattr(args, "local", False))
    central = enrolled_central(cfg.data_path)
    if central is not None and not local:
        print(f"kiosk: this kiosk is enrolled with central ({central}), which owns its member "
              "list: members imported here would open the gate but be missing from the console, "
              "and central's next full copy would remove them. Import them at central "
              "(`central members import FILE.csv`, or the console's Members page); to add members "
              "only this kiosk knows, use --local (central is told of them). Nothing was imported.",
              file=sys.stderr)
        return 2
    try:
        store = Store.open(cfg.data_path)
    except StoreError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    try:
        result, errors = import_file(store, path, local=local, central_owned=central is not None)
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
          f"({result.created} new, {result.updated} updated)"
          + (" as local members of this kiosk" if local else ""))
    if local and central is not None:
        print("They are kept through central's member updates and reported to central at the "
              "next sync (its members page lists them as local to this kiosk).")
    if errors:
        print(f"{len(errors)} row(s) refused, nothing of them was written:", file=sys.stderr)
        for e in errors:
            print(f"  {path.name}: {e}", file=sys.stderr)
        return 1
    return 0


def enrolled_central(data_dir: Path) -> str | None:
    """The central this kiosk is enrolled with (its URL), or None for a standalone kiosk."""
    url = enrolled_url(data_dir)
    if url is not None:
        return url
    # A token without its record (an older enrollment): enrolled all the same.
    return "token in data_dir" if TokenStore(data_dir).path.exists() else None
