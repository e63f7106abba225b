"""The sync engine's visitor-desk pulls against a fake central API (the endpoints are the
central-visitors helper's): the host directory is rewritten only when its version moves, the
blocklist is kept, an older central without them (404) does not break the cycle."""

from __future__ import annotations

import base64
from pathlib import Path

from backend_client import errors, wire
from backend_client.status import StatusBook
from kiosk.store import Store
from kiosk.sync.engine import SyncEngine

KEY = base64.b64encode(bytes(32)).decode()


class FakeAPI:
    def __init__(self) -> None:
        self.directory = wire.Hosts(
            version=1, items=[wire.Host(id=1, kind="unit", label="3-1201", detail="")])
        self.missing = False

    def hosts(self) -> wire.Hosts:
        if self.missing:
            raise errors.CentralRejected("not found", 404)
        return self.directory

    def blocklist(self) -> wire.Blocklist:
        if self.missing:
            raise errors.CentralRejected("not found", 404)
        return wire.Blocklist(key=KEY, hashes=["ab" * 32])


def test_hosts_rewritten_only_on_a_new_version_and_blocklist_kept(kiosk_store: Store, tmp_path: Path) -> None:
    api = FakeAPI()
    engine = SyncEngine(kiosk_store, api, StatusBook(tmp_path))  # type: ignore[arg-type]
    engine.pull_hosts()
    engine.pull_blocklist()
    with kiosk_store.read() as tx:
        assert [h.label for h in tx.search_hosts("31")] == ["3-1201"] and tx.hosts_version() == 1
        assert tx.blocklist() == (bytes(32), frozenset({"ab" * 32}))
    # Same version, other items: not rewritten (central bumps the version on every change).
    api.directory = wire.Hosts(version=1, items=[wire.Host(id=2, kind="company", label="Acme", detail="")])
    engine.pull_hosts()
    with kiosk_store.read() as tx:
        assert [h.id for h in tx.search_hosts("31")] == [1] and tx.search_hosts("ac") == []
    api.directory = wire.Hosts(version=2, items=api.directory.items)
    engine.pull_hosts()
    with kiosk_store.read() as tx:
        assert tx.search_hosts("31") == [] and [h.id for h in tx.search_hosts("ac")] == [2]
    api.missing = True
    engine.pull_hosts()
    engine.pull_blocklist()  # an older central: nothing raised, nothing lost
    with kiosk_store.read() as tx:
        assert tx.hosts_version() == 2 and tx.blocklist() is not None
