"""Tell central about the members imported here with `--local`, whenever that list changes.

The whole list goes each time (a kiosk's own members are few), so central's copy is exactly
the kiosk's; a digest of what central last acknowledged, kept in the store, means an unchanged
list costs nothing. A kiosk that never had local members sends nothing, so a central without
this endpoint (older than the kiosk) never sees the call; one that answers 404 is logged and
asked again next cycle, without failing the sync.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from backend_client import errors
from backend_client.api import CentralAPI
from kiosk.store import LocalMemberReport, Store

log = logging.getLogger(__name__)


def wire_form(m: LocalMemberReport) -> dict[str, Any]:
    return {"member_no": m.member_no, "masked_name": m.masked_name, "status": m.status,
            "facilities": list(m.facilities),
            "valid_until": m.valid_until.isoformat() if m.valid_until else None}


def digest(items: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def push(store: Store, api: CentralAPI) -> bool:
    """Send the list if it changed since central last took it; True when something was sent."""
    with store.read() as tx:
        items = [wire_form(m) for m in tx.local_members_report()]
        reported = tx.local_members_reported()
    current = digest(items)
    if current == reported or (reported is None and not items):
        return False
    try:
        ack = api.put_local_members(items)
    except errors.CentralRejected as exc:
        if exc.status != 404:
            raise
        log.warning("sync: central does not take local members yet (upgrade it); %d local "
                    "member(s) not reported", len(items))
        return False
    with store.write() as tx:
        tx.set_local_members_reported(current)
    log.info("sync: reported %d local member(s) to central", ack.count)
    return True
