"""A kiosk process for the restart test: bootstrap.build from a config, start it, register one
visitor (unless a registration is already in progress, which it resumes), wait, print the
outcome as JSON lines on stdout. Run: python -m tests.e2e.visitors.desk_proc CONFIG CLIENT_ID"""

from __future__ import annotations

import json
import sys

from kiosk import config
from kiosk.app import VisitorForm
from kiosk.bootstrap import build
from kiosk.sync.engine import SyncSettings

RIC = "11010519491231002X"


def say(**kw: object) -> None:
    print(json.dumps(kw), flush=True)


def main(config_path: str, client_id: str) -> int:
    kiosk = build(config.load(config_path),
                  sync_settings=SyncSettings(interval_s=60, long_poll_s=2, backoff_base_s=0.1,
                                             backoff_cap_s=0.5))
    try:
        kiosk.start()
        desk = kiosk.visitor_desk
        tickets = desk.in_progress()
        if tickets:
            say(event="resumed", refs=[t.ref for t in tickets])
        else:
            tickets = [desk.register(VisitorForm(
                id_type="cn_ric", id_number=RIC, name="王小二", mobile="13800138000", host="3-1201",
                purpose="visit", privacy_notice_version="1", client_id=client_id))]
            say(event="registered", ref=tickets[0].ref)
        result = desk.await_approval(tickets[0], 60)
        say(event="outcome", ref=result.ref, state=result.state, pass_text=result.pass_text)
    finally:
        kiosk.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
