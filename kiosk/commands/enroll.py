"""`kiosk enroll URL CODE`: trade a one-time enrollment code for this kiosk's token.

Exit status: 0 enrolled; 1 central refused the code or could not be reached; 2 bad config or
URL. The token is stored in data_dir (mode 0600) and never printed.

Enrolling also draws the kiosk's own Ed25519 signing key (for passes it signs after a
receptionist's PIN approval), keeps it in data_dir (mode 0600) beside the token and sends its
public half, which central publishes to every kiosk. A key whose one-byte id central already
uses is refused without spending the code: another key is drawn.
"""

from __future__ import annotations

import argparse
import re
import sys

from backend_client import errors
from backend_client.api import CentralAPI
from backend_client.status import STATUS_FILE
from backend_client.token_store import TokenStore
from kiosk import __version__, config
from kiosk.store import Store, StoreError
from kiosk.store.signing_key import KioskKeyFile, public_raw
from kiosk.sync import client
from lobby_core.passes import SigningKey

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,31}")
KEY_ATTEMPTS = 8  # each draw collides with a taken key id at most a few times in 256


def main(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    url = str(args.url).strip().rstrip("/")
    problem = config.central_url_problem(url)
    if problem:
        print(f"kiosk enroll: {problem}", file=sys.stderr)
        return 2
    code = str(args.code).strip()
    if not _CODE.fullmatch(code):
        print("kiosk enroll: the enrollment code is letters and digits in groups, like "
              "ABCD-EFGH-JKMN-PQRS, as printed by `central kiosks add NAME`", file=sys.stderr)
        return 1
    data_dir = cfg.data_path
    previous = client.enrolled_url(data_dir)
    api = CentralAPI(client.CentralConfig.from_config(cfg).client_settings(url))
    key = SigningKey.generate()
    try:
        for attempt in range(KEY_ATTEMPTS):
            try:
                enrolled = api.enroll(code, kiosk_version=__version__, public_key=public_raw(key))
                break
            except errors.KeyIdTaken:
                if attempt == KEY_ATTEMPTS - 1:
                    raise
                key = SigningKey.generate()
    except errors.EnrollmentRefused as exc:
        print(f"kiosk enroll: {exc}", file=sys.stderr)
        return 1
    except errors.CentralError as exc:
        print(f"kiosk enroll: cannot enroll with {url}: {exc}", file=sys.stderr)
        return 1
    finally:
        api.close()
    try:
        store = Store.open(data_dir)
    except StoreError as exc:
        print(f"kiosk enroll: {exc}", file=sys.stderr)
        return 2
    try:
        TokenStore(data_dir).save(enrolled.token)
        KioskKeyFile(data_dir).save(key)
        client.save_enrollment(data_dir, url, enrolled.kiosk_id, enrolled.name)
        if previous != url:
            # Another central (or the first one): its cursors mean nothing here. Start over.
            with store.write() as tx:
                tx.forget_sync_cursors()
        (data_dir / STATUS_FILE).unlink(missing_ok=True)  # "not authorised" is over
    except (OSError, StoreError) as exc:
        print(f"kiosk enroll: enrolled, but could not store the token: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"enrolled with {url} as {enrolled.name!r} (kiosk {enrolled.kiosk_id})")
    return 0
