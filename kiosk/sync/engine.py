"""One sync cycle with central: push events, visits and PIN approvals, register the kiosk's own
signing key, pull members, keys, revocations, PIN hashes and the visitor desk's host directory
and blocklist, read updates, send a heartbeat. The worker repeats it; `kiosk sync --once` runs
it once.

Ordering is what keeps it exact:
- events go first, so central's visit counts include them before members come back;
- an event row is marked sent only after central acknowledged its batch (central stores each
  event id once, so a batch resent after a crash is harmless);
- each members page is applied, cursor and all, in one store transaction, short enough that
  the entrance keeps deciding between pages.
One cycle at a time per data_dir: a file lock serialises the worker and `kiosk sync --once`.
"""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend_client import errors, wire
from backend_client.api import CentralAPI
from backend_client.status import StatusBook
from kiosk import __version__
from kiosk.store import Store
from kiosk.store.signing_key import KioskKeyFile, public_raw

from . import client, local_members, outbox
from .remote import ActionRunner, DiagReport, RemoteActions, bounded_report

log = logging.getLogger(__name__)
LOCK_FILE = "sync.lock"
DeviceHealth = Callable[[], list[dict[str, str]]]
VisitChanged = Callable[[str], None]  # a visit's client id: central took or decided it


@dataclass(frozen=True)
class SyncSettings:
    page_size: int = 2000  # members per page: one short store transaction each
    batch_size: int = 500  # events per POST (central's maximum)
    interval_s: float = 30.0  # full cycle (and heartbeat) period when all is well
    push_delay_s: float = 0.5  # after a new event, wait this long to batch its neighbours
    long_poll_s: float = 25.0
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    lock_wait_s: float = 120.0
    token_check_s: float = 5.0  # a paused worker looks for a new token this often (locally)


@dataclass
class CycleReport:
    events_sent: int = 0
    events_refused: int = 0
    members_upserted: int = 0
    members_deleted: int = 0
    members_refused: int = 0
    full_copy: bool = False
    visits_sent: int = 0
    approvals_sent: int = 0
    updates: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class SyncBusy(errors.CentralError):
    """Another sync of this data_dir held the lock for too long."""

    kind = "busy"


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def sync_lock(data_dir: Path, wait_s: float) -> Iterator[None]:
    """Exclusive per data_dir; released by the kernel if the process dies (flock)."""
    fd = os.open(Path(data_dir) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SyncBusy(f"another sync of {data_dir} is running") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing drops the flock


class SyncEngine:
    def __init__(self, store: Store, api: CentralAPI, book: StatusBook,
                 settings: SyncSettings | None = None,
                 device_health: DeviceHealth | None = None,
                 visit_changed: VisitChanged | None = None,
                 diag_report: DiagReport | None = None,
                 remote_actions: RemoteActions | None = None) -> None:
        self.store = store
        self.api = api
        self.book = book
        self.settings = settings or SyncSettings()
        self.device_health = device_health
        self.visit_changed = visit_changed
        self.diag_report = diag_report  # Report.to_json() of the running kiosk, for the heartbeat
        self.remote_actions = remote_actions  # what the console may ask this kiosk to do
        self.data_dir = store.path.parent
        self.key_file = KioskKeyFile(self.data_dir)
        self._key_registered: bytes | None = None  # the public key central has, as far as we know
        self._started = time.monotonic()

    # -- the cycle -------------------------------------------------------------------------
    def cycle(self) -> CycleReport:
        """One full cycle; raises CentralError (after noting it in the status) on failure."""
        report = CycleReport()
        t0 = time.monotonic()
        self.book.attempt()
        try:
            with sync_lock(self.data_dir, self.settings.lock_wait_s):
                self.push_events(report)
                self.push_visits(report)
                self.register_key()
                self.push_kiosk_approvals(report)
                self.pull_members(report)
                local_members.push(self.store, self.api)  # after the pull: a takeover shows
                self.pull_keys_and_revocations()
                self.pull_hosts()
                self.pull_blocklist()
                self.pull_pins()
                self.poll_updates(0.0, report)
                self.heartbeat()
        except errors.CentralError as exc:
            self.book.failure(exc)
            self._note_backlog()
            raise
        report.seconds = time.monotonic() - t0
        with self.store.read() as tx:
            backlog = tx.backlog()
            as_of = tx.members_as_of()
        self.book.success(backlog=backlog, members_as_of=as_of, clock_skew_s=self.api.clock_skew_s)
        return report

    def push_only(self, visits: bool = False) -> CycleReport:
        """Send waiting events now (after a tap), and with `visits` waiting registrations and
        PIN approvals too (a visitor is standing at the kiosk), without the rest of the cycle."""
        report = CycleReport()
        try:
            with sync_lock(self.data_dir, self.settings.lock_wait_s):
                if visits:
                    self.push_visits(report)
                    self.register_key()  # a PIN approval's pass must verify at central
                    self.push_kiosk_approvals(report)
                self.push_events(report)
        except errors.CentralError as exc:
            self.book.failure(exc)
            self._note_backlog()
            raise
        self._note_backlog()
        return report

    def _note_backlog(self) -> None:
        try:
            with self.store.read() as tx:
                self.book.set_backlog(tx.backlog())
        except Exception:  # status only: never hide the real error behind this one
            log.debug("sync: could not count the outbox", exc_info=True)

    # -- events ----------------------------------------------------------------------------
    def push_events(self, report: CycleReport) -> None:
        while True:
            with self.store.read() as tx:
                batch = tx.outbox(self.settings.batch_size)
            if not batch:
                return
            self._send(batch, report)
            if len(batch) < self.settings.batch_size:
                return

    def _send(self, batch: list[Any], report: CycleReport) -> None:
        try:
            self.api.post_events([outbox.to_wire(ev) for ev in batch])
        except errors.CentralRejected as exc:
            if exc.status not in (400, 409, 413, 422):
                raise
            if len(batch) > 1:
                # One bad event must not block the outbox forever: find it by halving.
                mid = len(batch) // 2
                self._send(batch[:mid], report)
                self._send(batch[mid:], report)
                return
            log.error("sync: central refused access event %s for good (%s); it is kept in the "
                      "local log and no longer sent", batch[0].uuid, exc)
            report.events_refused += 1
        # Marked only now: a crash before this line resends the batch, which central ignores.
        with self.store.write() as tx:
            tx.mark_synced([ev.uuid for ev in batch], _now())
        report.events_sent += len(batch)

    # -- members ---------------------------------------------------------------------------
    def pull_members(self, report: CycleReport) -> None:
        """Pull pages until central has no more; the next page is fetched while this one is
        written (central's time and ours overlap), but only applied after it, in order."""
        started = _now()
        with self.store.read() as tx:
            cursor = tx.members_cursor()
        with ThreadPoolExecutor(1, thread_name_prefix="sync-fetch") as pool:
            pending = pool.submit(self.api.members_page, cursor, self.settings.page_size)
            while True:
                page = pending.result()
                if page.has_more:
                    if page.next_cursor <= cursor and not page.reset:
                        raise errors.CentralProtocolError(
                            f"central's members feed did not advance past cursor {cursor}")
                    pending = pool.submit(self.api.members_page, page.next_cursor,
                                          self.settings.page_size)
                with self.store.write() as tx:
                    if page.reset or cursor == 0:
                        report.full_copy = True
                    r = tx.apply_members_page(page, _now())
                    if not page.has_more:
                        report.members_deleted += tx.finish_resync()
                        # The copy is complete as of when this pull started.
                        tx.set_members_as_of(started)
                report.members_upserted += r.upserted
                report.members_deleted += r.deleted
                report.members_refused += len(r.refused)
                if not page.has_more:
                    return
                cursor = page.next_cursor

    # -- keys, revocations, updates --------------------------------------------------------
    def pull_keys_and_revocations(self) -> None:
        keys = self.api.keys()
        revs = self.api.revocations()
        with self.store.write() as tx:
            tx.put_pass_keys(keys)
            tx.put_revocations(revs)
        if self._key_registered is not None and not any(
                k.public_key == base64.b64encode(self._key_registered).decode() for k in keys.keys):
            self._key_registered = None  # central lost it (a restored database): register again

    # -- PIN approval: receptionists' PINs, this kiosk's own key, approvals made here ---------
    def pull_pins(self) -> None:
        pins = self.api.pins()
        with self.store.write() as tx:
            tx.put_pin_hashes([(p.user, p.pin_hash, p.role) for p in pins.items])

    def register_key(self) -> None:
        """Make sure central publishes this kiosk's signing key (a kiosk enrolled before kiosks
        had keys makes one now). A key id central refuses as taken: draw another key."""
        key = self.key_file.load_or_create()
        for _attempt in range(4):
            raw = public_raw(key)
            if raw == self._key_registered:
                return
            try:
                self.api.register_kiosk_key(raw)
            except errors.KeyIdTaken:
                # Its one-byte id is in use; passes signed with it central could not tell apart.
                log.warning("sync: central has another key with this kiosk key's id; new key drawn")
                key = self.key_file.create()
                continue
            self._key_registered = raw
            return
        log.error("sync: central refused four kiosk keys in a row; trying again next cycle")

    def push_kiosk_approvals(self, report: CycleReport) -> None:
        with self.store.read() as tx:
            waiting = tx.kiosk_approvals_to_send()
        for a in waiting:
            try:
                if a.visit_id is not None:
                    visit = self.api.kiosk_approval(a.visit_id, a.to_wire())
                elif a.request is not None:
                    visit = self.api.create_visit({**a.request.to_wire(), "kiosk_approval": a.to_wire()})
                else:  # central never got it and its details no longer read: nothing to send
                    with self.store.write() as tx:
                        tx.give_up_kiosk_approval(a.client_id, _now())
                    continue
            except errors.CentralRejected as exc:
                log.error("sync: central refused a PIN approval made here (%s); the visit goes to "
                          "reception as an ordinary one", exc.status)
                with self.store.write() as tx:
                    tx.give_up_kiosk_approval(a.client_id, _now())
                continue
            with self.store.write() as tx:
                tx.record_visit(visit, _now())
                tx.mark_kiosk_approval_sent(a.client_id, _now())
            report.approvals_sent += 1

    def poll_updates(self, wait_s: float, report: CycleReport | None = None) -> int:
        with self.store.read() as tx:
            cursor = tx.updates_cursor()
        page = self.api.updates(cursor, wait_s)
        self.apply_updates(page)
        if report is not None:
            report.updates += len(page.items)
        return len(page.items)

    def apply_updates(self, page: wire.UpdatesPage) -> None:
        now = _now()
        decided: list[str] = []
        requests: list[wire.ActionUpdate] = []
        with self.store.write() as tx:
            applied = tx.updates_cursor()
            for u in page.items:
                if u.kind == "action":
                    # Both sync threads poll: only the one whose commit moves the cursor past
                    # a request runs it (a gate pulse must not happen twice).
                    if u.seq <= applied:
                        continue
                    try:
                        requests.append(wire.ActionUpdate.model_validate(u.payload))
                    except ValueError:
                        log.warning("sync: ignoring a malformed remote request (seq %d)", u.seq)
                    continue
                if u.kind == "decision":
                    try:
                        visit = wire.Visit.model_validate(u.payload)
                    except ValueError:
                        log.warning("sync: ignoring a malformed decision update (seq %d)", u.seq)
                        continue
                    tx.record_visit(visit, now)
                    decided.append(visit.client_id)
                elif u.kind == "revocation":
                    try:
                        rev = wire.RevocationUpdate.model_validate(u.payload)
                    except ValueError:
                        log.warning("sync: ignoring a malformed revocation update (seq %d)", u.seq)
                        continue
                    tx.add_revocation(rev)
            tx.set_updates_cursor(page.next_cursor)
        for client_id in decided:  # after the commit: a waiting desk reads the decision
            self._visit_changed(client_id)
        if requests:  # after the commit too: each runs at most once
            runner = ActionRunner(self.api, self.remote_actions)
            for req in requests:
                runner.run(req)

    def _visit_changed(self, client_id: str) -> None:
        if self.visit_changed is None:
            return
        try:
            self.visit_changed(client_id)
        except Exception:  # a listener's bug must not stop sync
            log.exception("sync: a visit listener failed")

    # -- visitor desk: host directory and blocklist ----------------------------------------
    def pull_hosts(self) -> None:
        """The host directory, rewritten only when central's version moved."""
        try:
            directory = self.api.hosts()
        except errors.CentralRejected as exc:
            if exc.status != 404:
                raise
            log.debug("sync: central has no host directory (an older central)")
            return
        with self.store.write() as tx:
            if tx.hosts_version() != directory.version:
                tx.replace_hosts(directory)
                log.info("sync: host directory version %d (%d hosts)", directory.version,
                         len(directory.items))

    def pull_blocklist(self) -> None:
        try:
            blocklist = self.api.blocklist()
        except errors.CentralRejected as exc:
            if exc.status != 404:
                raise
            log.debug("sync: central publishes no blocklist (an older central)")
            return
        with self.store.write() as tx:
            tx.put_blocklist(blocklist)

    # -- visits ----------------------------------------------------------------------------
    def push_visits(self, report: CycleReport) -> None:
        with self.store.read() as tx:
            queued = tx.queued_visits()
        for q in queued:
            if q.request is None:
                with self.store.write() as tx:
                    tx.reject_visit(q.client_id, "registration unreadable", _now())
                self._visit_changed(q.client_id)
                continue
            try:
                visit = self.api.create_visit(q.request.to_wire())
            except errors.CentralRejected as exc:
                with self.store.write() as tx:
                    tx.reject_visit(q.client_id, str(exc), _now())
                self._visit_changed(q.client_id)
                continue
            with self.store.write() as tx:
                tx.record_visit(visit, _now())
            self._visit_changed(q.client_id)
            report.visits_sent += 1

    # -- heartbeat -------------------------------------------------------------------------
    def heartbeat(self) -> None:
        with self.store.read() as tx:
            depth = tx.backlog()
        devices: list[dict[str, str]] = []
        if self.device_health is not None:
            try:
                devices = self.device_health()[:20]
            except Exception:  # a broken probe must not stop the heartbeat
                log.exception("sync: device health probe failed")
        try:
            free_mb: int | None = shutil.disk_usage(self.data_dir).free // 2**20
        except OSError:
            free_mb = None
        beat = {"versions": {"kiosk": __version__}, "devices": devices, "outbox_depth": depth,
                "uptime_s": int(time.monotonic() - self._started), "disk_free_mb": free_mb}
        diag = self._diag()
        if diag is None:
            self.api.heartbeat(**beat)
            return
        try:
            self.api.heartbeat(**beat, diag=diag)
        except errors.CentralRejected as exc:
            if exc.status != 422:
                raise
            # A central from before diagnostics refuses the key, or this report: the heartbeat
            # itself must still get through.
            log.warning("sync: central refused the diagnostics report (%s); heartbeat sent "
                        "without it", exc)
            self.api.heartbeat(**beat)

    def _diag(self) -> dict[str, Any] | None:
        if self.diag_report is None:
            return None
        try:
            return bounded_report(self.diag_report())
        except Exception:  # a broken check must not stop the heartbeat
            log.exception("sync: the diagnostics report failed")
            return None


def help_sender(central: client.CentralConfig,
                timeout_s: float = 4.0) -> Callable[[], wire.HelpCallAck]:
    """For the help button (kiosk.app.help_call): one quick attempt, since a visitor waits for
    the answer; NotAuthorised when this kiosk has no token."""
    quick = replace(central, connect_timeout_s=min(central.connect_timeout_s, timeout_s),
                    read_timeout_s=timeout_s, retries=0)

    def send() -> wire.HelpCallAck:
        token = client.load_token(central.data_dir)
        if token is None:
            raise errors.NotAuthorised("this kiosk is not enrolled")
        api = client.make_api(quick, token)
        try:
            return api.call_help()
        finally:
            api.close()

    return send


def invitation_lookup(central: client.CentralConfig,
                      timeout_s: float = 4.0) -> Callable[[str], wire.Invitation]:
    """For the visitor desk (kiosk.app.invitation): ask central about a scanned invitation, once
    and briefly, since a visitor stands at the kiosk; any CentralError means "check offline"."""
    quick = replace(central, connect_timeout_s=min(central.connect_timeout_s, timeout_s),
                    read_timeout_s=timeout_s, retries=0)

    def lookup(qr_text: str) -> wire.Invitation:
        token = client.load_token(central.data_dir)
        if token is None:
            raise errors.NotAuthorised("this kiosk is not enrolled")
        api = client.make_api(quick, token)
        try:
            return api.invitation(qr_text)
        finally:
            api.close()

    return lookup
