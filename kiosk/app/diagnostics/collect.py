"""One diagnosis: every group's checks in one Report, the same for `kiosk diag`, the
Diagnostics screen and the heartbeat. Central's checks (network waits) run beside the rest."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.store.errors import StoreError
from kiosk.store.integrity import inspect, read_counts
from kiosk.sync import client as sync_client
from lobby_core.diagnostics import Check, Report

from .central_checks import central_checks
from .device_checks import DeviceStates, device_checks
from .make import FAIL, PASS, check
from .storage_checks import StoreCounts, counts, storage_checks, sync_checks
from .version_checks import version_checks

if TYPE_CHECKING:
    from kiosk.store import Store

log = logging.getLogger(__name__)


def guarded(what: str, run: Callable[[], list[Check]]) -> list[Check]:
    """A group of checks that crashes is a bug; diag still reports everything else, and this
    group as one failed check (the traceback goes to the log, not the technician's screen)."""
    try:
        return run()
    except Exception as exc:
        log.exception("diag: %s checks failed", what)
        return [check(f"{what}.internal", FAIL, "diag.internal", what=what,
                      error=type(exc).__name__)]


def _central(cfg: Config) -> list[Check]:
    return guarded("central",
                   lambda: central_checks(sync_client.CentralConfig.from_config(cfg)))


def diagnose(cfg: Config, *, process: Check, states: DeviceStates | None,
             store: Store | None = None, extra: list[Check] | None = None,
             running: bool, central: bool = True) -> Report:
    """`states` None: the devices could not be looked at (a running kiosk that does not
    answer holds them). `store`: the running kiosk's open store; None reads the file.
    `central` False leaves out central's checks (a heartbeat that just reached central)."""
    now = datetime.now(UTC)
    # Central's checks wait on the network: they run beside the local ones. The heartbeat
    # (central=False) starts no thread at all.
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="diag-central") if central else None
    try:
        pending_central = pool.submit(_central, cfg) if pool is not None else None
        checks: list[Check] = [process, check("config.file", PASS, "config.ok",
                                              path=cfg.path or "(defaults)")]
        facts = inspect(cfg.data_path)
        store_counts: StoreCounts | None
        if store is not None and facts.ok:
            try:
                store_counts = counts(store)
            except StoreError:
                store_counts = None
        else:
            store_counts = read_counts(cfg.data_path) if facts.ok else None
        if states is not None:
            if store_counts is not None:  # before this run, or with no kiosk running
                states.card_reader.last_event_at = (states.card_reader.last_event_at
                                                    or store_counts.last_tap_at)
                states.qr_scanner.last_event_at = (states.qr_scanner.last_event_at
                                                   or store_counts.last_scan_at)
            checks.extend(guarded("devices", lambda: device_checks(states, now)))
        rest = [*guarded("storage", lambda: storage_checks(cfg.data_path, facts)),
                *guarded("sync", lambda: sync_checks(
                    cfg.data_path, store_counts, now,
                    members_stale=timedelta(hours=cfg.access.stale_after_h),
                    has_database=facts.exists)),
                *guarded("versions", version_checks)]
        if pending_central is not None:
            checks.extend(pending_central.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=False)
    return Report(checks=[*checks, *rest, *(extra or [])], at=now, running=running)
