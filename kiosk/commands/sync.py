"""`kiosk sync --once`: one full sync cycle with central, then exit.

Exit status: 0 the cycle finished; 1 it failed (central unreachable, slow, failing or answering
nonsense: the reason is printed and kept in the sync status); 2 bad config or local store;
3 not enrolled, or central refused this kiosk's token ("kiosk not authorised").
"""

from __future__ import annotations

import argparse
import logging
import sys

from backend_client import errors
from backend_client.status import StatusBook
from kiosk import config
from kiosk.store import Store, StoreError
from kiosk.sync import client
from kiosk.sync.engine import SyncEngine


def main(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=cfg.log.level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations are not news here
    data_dir = cfg.data_path
    token = client.load_token(data_dir)
    if token is None:
        StatusBook(data_dir).not_enrolled()
        print("kiosk sync: kiosk not enrolled: run `kiosk enroll URL CODE`", file=sys.stderr)
        return 3
    try:
        store = Store.open(data_dir)
    except StoreError as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return 2
    api = client.make_api(client.CentralConfig.from_config(cfg), token)
    try:
        report = SyncEngine(store, api, StatusBook(data_dir)).cycle()
    except errors.NotAuthorised as exc:
        print(f"kiosk sync: kiosk not authorised: {exc}; enroll again with "
              "`kiosk enroll URL CODE`", file=sys.stderr)
        return 3
    except errors.CentralError as exc:
        print(f"kiosk sync: failed ({exc.kind}): {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return 2
    finally:
        api.close()
        store.close()
    status = StatusBook(data_dir).status
    print(f"sync ok in {report.seconds:.1f} s: {report.events_sent} event(s) sent, "
          f"{report.members_upserted} member(s) updated, {report.members_deleted} removed"
          f"{' (full copy)' if report.full_copy else ''}, backlog {status.backlog}")
    if report.members_refused or report.events_refused:
        print(f"warning: {report.members_refused} member record(s) and {report.events_refused} "
              "event(s) refused; see the log", file=sys.stderr)
    return 0
