"""The Store: opens (and migrates) the SQLite file in data_dir and hands out transactions.

Callers do all their work through a Tx inside `with store.write() as tx:` (or read()), so an
entrance tap's lookup, decision inputs, event row and visit decrement are one transaction.
SQLAlchemy and sqlite3 errors leave this module as StoreError.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from backend_client import wire
from kiosk.domain.model import FacilityRule, Freeze, Member
from kiosk.domain.passes import PassUsage
from lobby_core.members_csv import MemberRecord

from . import (
    events,
    hosts,
    integrity,
    invitation_uses,
    kiosk_approvals,
    local_members,
    lockers,
    members,
    meta,
    migrate,
    pass_uses,
    pins,
    rules,
    sync_state,
    visitors,
)
from .database import DB_FILENAME, make_engine, reading, writing
from .errors import StoreError
from .events import Event, PulseState
from .hosts import HostEntry
from .invitation_uses import InvitationUsage
from .kiosk_approvals import ApprovalToSend
from .local_members import LocalMemberReport
from .lockers import Locker
from .members import ImportResult, PageResult
from .names import NameCipher
from .pins import Lockout
from .visitors import IdNumberCipher, QueuedVisit, VisitorRequest, VisitState

log = logging.getLogger(__name__)
# Members per write transaction of a file import: a tap waits for one slice at most (~ms).
IMPORT_COMMIT_ROWS = 2_000


class Tx:
    """One open transaction; method names say what they read or write.

    `conn` is the store's own: code outside kiosk.store never runs SQL on it (tests may, to
    plant a state no method makes).
    """

    def __init__(self, conn: Connection, cipher: NameCipher, id_cipher: IdNumberCipher) -> None:
        self.conn = conn
        self._cipher = cipher
        self._id_cipher = id_cipher

    # members
    def member_by_uid(self, uid: str) -> Member | None:
        return members.by_uid(self.conn, self._cipher, uid)

    def member(self, member_no: str) -> Member | None:
        return members.by_member_no(self.conn, self._cipher, member_no)

    def import_members(self, records: Sequence[MemberRecord], now: datetime) -> ImportResult:
        result = members.import_records(self.conn, self._cipher, records, now)
        meta.set_members_as_of(self.conn, now)
        return result

    def set_freezes(self, member_no: str, freezes: Sequence[Freeze]) -> None:
        members.set_freezes(self.conn, member_no, freezes)

    def consume_visit(self, member_no: str) -> int | None:
        return members.consume_visit(self.conn, member_no)

    def refund_visit(self, member_no: str) -> None:
        members.refund_visit(self.conn, member_no)

    def member_count(self) -> int:
        return members.count(self.conn)

    def local_member_count(self) -> int:
        return local_members.count(self.conn)

    def local_members_report(self) -> list[LocalMemberReport]:
        return local_members.report(self.conn, self._cipher)

    def central_member_nos(self, member_nos: Sequence[str]) -> set[str]:
        return local_members.not_local(self.conn, member_nos)

    def local_members_reported(self) -> str | None:
        return local_members.reported(self.conn)

    def set_local_members_reported(self, digest: str) -> None:
        local_members.set_reported(self.conn, digest)

    def diag_counts(self) -> integrity.StoreCounts:
        """Backlog, member count and list age for diagnostics, in this transaction."""
        return integrity.counts(self.conn)

    # meta
    def members_as_of(self) -> datetime | None:
        return meta.members_as_of(self.conn)

    def set_members_as_of(self, at: datetime) -> None:
        meta.set_members_as_of(self.conn, at)

    # rules
    def facility_rule(self, facility: str) -> FacilityRule | None:
        return rules.get(self.conn, facility)

    def facility_rule_source(self, facility: str) -> str | None:
        return rules.source(self.conn, facility)

    def put_facility_rule(self, rule: FacilityRule, source: str) -> None:
        rules.put(self.conn, rule, source)

    def delete_facility_rule(self, facility: str) -> None:
        rules.delete(self.conn, facility)

    # events
    def insert_event(self, ev: Event) -> None:
        events.insert_event(self.conn, ev)

    def set_pulse_state(self, uuid: str, state: PulseState, *, refunded: bool = False) -> None:
        events.set_pulse_state(self.conn, uuid, state, refunded=refunded)

    def last_granted_entry(self, card_uid: str, facility: str) -> datetime | None:
        return events.last_granted_entry(self.conn, card_uid, facility)

    def is_inside(self, member_no: str, facility: str, since: datetime) -> bool:
        return events.is_inside(self.conn, member_no, facility, since)

    def occupancy(self, facility: str, since: datetime) -> int:
        return events.occupancy(self.conn, facility, since)

    def event(self, uuid: str) -> Event | None:
        return events.by_uuid(self.conn, uuid)

    def events(self, limit: int = 100, after_id: int = 0) -> list[Event]:
        return events.recent(self.conn, limit, after_id)

    def outbox(self, limit: int = 500) -> list[Event]:
        return events.outbox(self.conn, limit)

    def mark_synced(self, uuids: Sequence[str], at: datetime) -> int:
        return events.mark_synced(self.conn, uuids, at)

    def backlog(self) -> int:
        """Events central has not acknowledged, pending ones included (see events.backlog)."""
        return events.backlog(self.conn)

    # visitor passes at the turnstile
    def pass_usage(self, pass_id: int) -> PassUsage:
        return pass_uses.usage(self.conn, pass_id)

    def count_pass_entry(self, pass_id: int, at: datetime, valid_until: datetime) -> None:
        pass_uses.count_entry(self.conn, pass_id, at, valid_until)

    def refund_pass_entry(self, pass_id: int, before: PassUsage) -> None:
        pass_uses.refund_entry(self.conn, pass_id, before)

    def purge_pass_uses(self, expired_before: datetime) -> int:
        return pass_uses.purge_expired(self.conn, expired_before)

    # invitations at the lobby kiosk
    def invitation_usage(self, invitation_id: int) -> InvitationUsage:
        return invitation_uses.usage(self.conn, invitation_id)

    def note_invitation_at_central(self, invitation_id: int, allowed: int, used: int,
                                   valid_until: datetime) -> None:
        invitation_uses.note_central(self.conn, invitation_id, allowed, used, valid_until)

    def count_invitation_use(self, invitation_id: int, valid_until: datetime) -> None:
        invitation_uses.count_use(self.conn, invitation_id, valid_until)

    def purge_invitation_uses(self, expired_before: datetime) -> int:
        return invitation_uses.purge_expired(self.conn, expired_before)

    # sync: central's members feed, cursors, keys and revocations
    def apply_members_page(self, page: wire.MembersPage, now: datetime) -> PageResult:
        return members.apply_feed_page(self.conn, self._cipher, page, now)

    def finish_resync(self) -> int:
        return members.finish_resync(self.conn)

    def members_cursor(self) -> int:
        return sync_state.members_cursor(self.conn)

    def updates_cursor(self) -> int:
        return sync_state.updates_cursor(self.conn)

    def set_updates_cursor(self, cursor: int) -> None:
        sync_state.set_updates_cursor(self.conn, cursor)

    def forget_sync_cursors(self) -> None:
        sync_state.forget_cursors(self.conn)

    def put_pass_keys(self, keys: wire.Keys) -> None:
        sync_state.put_pass_keys(self.conn, keys)

    def pass_keys(self) -> dict[str, Any] | None:
        return sync_state.pass_keys(self.conn)

    def trust_stamp(self) -> tuple[str | None, str | None]:
        return sync_state.trust_stamp(self.conn)

    def put_revocations(self, revs: wire.Revocations) -> None:
        sync_state.put_revocations(self.conn, revs)

    def add_revocation(self, rev: wire.RevocationUpdate) -> None:
        sync_state.add_revocation(self.conn, rev)

    def revocations(self) -> dict[str, list[int]]:
        return sync_state.revocations(self.conn)

    def put_blocklist(self, blocklist: wire.Blocklist) -> None:
        sync_state.put_blocklist(self.conn, blocklist)

    def blocklist(self) -> tuple[bytes, frozenset[str]] | None:
        return sync_state.blocklist(self.conn)

    # host directory
    def hosts_version(self) -> int | None:
        return hosts.version(self.conn)

    def replace_hosts(self, directory: wire.Hosts) -> None:
        hosts.replace(self.conn, directory)

    def search_hosts(self, text: str, limit: int = hosts.MAX_MATCHES) -> list[HostEntry]:
        return hosts.search(self.conn, text, limit)

    # visitor queue
    def queue_visit(self, request: VisitorRequest, now: datetime) -> str:
        return visitors.queue(self.conn, self._cipher, self._id_cipher, request, now)

    def queued_visits(self, limit: int = 20) -> list[QueuedVisit]:
        return visitors.queued(self.conn, self._cipher, self._id_cipher, limit)

    def record_visit(self, visit: wire.Visit, now: datetime) -> None:
        visitors.record(self.conn, self._cipher, visit, now)

    def reject_visit(self, client_id: str, reason: str, now: datetime) -> None:
        visitors.reject(self.conn, client_id, reason, now)

    def visit_state(self, client_id: str) -> VisitState | None:
        return visitors.state(self.conn, self._cipher, client_id)

    def open_visits(self) -> list[VisitState]:
        return visitors.open_visits(self.conn, self._cipher)

    def purge_ended_visits(self, ended_before: datetime) -> int:
        return visitors.purge_ended(self.conn, ended_before)

    # Kiosk PINs (visitor approval, technician mode), their lockouts, visits approved here
    def put_pin_hashes(self, items: Sequence[tuple[str, str, str]]) -> int:
        """(user, hash, role) as central sent them, replacing every PIN held."""
        return pins.put(self.conn, items)

    def pin_hash(self, user: str, roles: frozenset[str] = pins.APPROVERS) -> str | None:
        return pins.pin_hash(self.conn, user, roles)

    def pin_users(self, roles: frozenset[str] = pins.APPROVERS) -> list[str]:
        return pins.users(self.conn, roles)

    def pin_hashes(self, roles: frozenset[str]) -> list[tuple[str, str]]:
        return pins.hashes(self.conn, roles)

    def pin_lockout(self, use: str = pins.APPROVAL) -> Lockout:
        return pins.lockout(self.conn, use)

    def set_pin_lockout(self, state: Lockout, use: str = pins.APPROVAL) -> None:
        pins.set_lockout(self.conn, state, use)

    def visit_status(self, client_id: str) -> str | None:
        return kiosk_approvals.status(self.conn, client_id)

    def visit_party_size(self, client_id: str) -> int | None:
        return kiosk_approvals.party_size(self.conn, self._cipher, client_id)

    def approve_visit_here(self, client_id: str, approved_by: str, at: datetime, pass_id: int,
                           pass_text: str, pass_valid_until: datetime) -> None:
        kiosk_approvals.approve(self.conn, client_id, approved_by, at, pass_id, pass_text,
                                pass_valid_until)

    def kiosk_approvals_to_send(self, limit: int = 20) -> list[ApprovalToSend]:
        return kiosk_approvals.to_send(self.conn, self._cipher, self._id_cipher, limit)

    def mark_kiosk_approval_sent(self, client_id: str, now: datetime) -> None:
        kiosk_approvals.mark_sent(self.conn, client_id, now)

    def give_up_kiosk_approval(self, client_id: str, now: datetime) -> None:
        kiosk_approvals.give_up(self.conn, client_id, now)

    # lockers
    def configure_lockers(self, bank: Sequence[Locker]) -> list[str]:
        return lockers.configure(self.conn, bank)

    def locker_of(self, member_no: str) -> Locker | None:
        return lockers.held_by(self.conn, member_no)

    def assign_locker(self, member_no: str, order: Sequence[str], now: datetime) -> Locker | None:
        return lockers.assign(self.conn, member_no, order, now)

    def release_locker(self, member_no: str) -> Locker | None:
        return lockers.release(self.conn, member_no)

    def lockers(self) -> dict[str, str | None]:
        return lockers.all_lockers(self.conn)


class Store:
    def __init__(self, engine: Engine, cipher: NameCipher, path: Path,
                 id_cipher: IdNumberCipher | None = None) -> None:
        self.engine = engine
        self.path = path
        self._cipher = cipher
        self._id_cipher = id_cipher or IdNumberCipher.in_dir(path.parent)

    @classmethod
    def open(cls, data_dir: Path | str, *, revision: str = "head") -> Store:
        """Open data_dir/kiosk.db, creating it or upgrading its schema (`revision` for tests)."""
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"{data_dir}: cannot create the data directory: {exc.strerror}") from None
        path = data_dir / DB_FILENAME
        engine = make_engine(path)
        try:
            migrate.upgrade(engine, path, revision)
            cipher = NameCipher.in_dir(data_dir)
            id_cipher = IdNumberCipher.in_dir(data_dir)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            engine.dispose()
            raise StoreError(f"{path}: cannot open the local database: {exc}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, cipher, path, id_cipher)

    def import_members(self, records: Sequence[MemberRecord], now: datetime,
                       slice_rows: int = IMPORT_COMMIT_ROWS, *, local: bool = False) -> ImportResult:
        """Import a whole file in short write transactions, so taps never wait behind it.

        Names are encrypted and card clashes judged against the whole file before any write;
        then each slice of `slice_rows` members is one transaction, and the last one stamps
        members_as_of. A crash midway leaves the earlier slices imported (each row whole):
        importing the file again finishes the job. `local`: the members written are marked as
        this kiosk's own, in the same transaction (kiosk.store.local_members).
        """
        names = members.encrypt_names(self._cipher, records)
        with self.read() as tx:
            accepted, errors = members.refuse_card_clashes(tx.conn, records)
        planned = frozenset(r.member_no for r in accepted)
        slices = [accepted[i : i + slice_rows] for i in range(0, len(accepted), slice_rows)]
        created = updated = 0
        all_errors = list(errors)
        for k, part in enumerate(slices or [[]]):
            elsewhere = planned - {r.member_no for r in part}
            with self.write() as tx:
                result = members.import_records(tx.conn, self._cipher, part, now, names=names,
                                                elsewhere_in_file=elsewhere)
                if local:
                    refused = {e.line for e in result.errors}
                    local_members.mark(tx.conn, [r.member_no for r in part if r.line not in refused],
                                       now)
                if k == max(len(slices) - 1, 0):
                    meta.set_members_as_of(tx.conn, now)
            created += result.created
            updated += result.updated
            all_errors.extend(result.errors)
        all_errors.sort(key=lambda e: e.line)
        return ImportResult(created, updated, tuple(all_errors))

    def recover_unconfirmed(self, before: datetime | None = None) -> int:
        """Mark pending events (recorded before `before`, or all) "unconfirmed".

        Only a kiosk run calls this, at start: any other process opening the store would
        otherwise relabel the running kiosk's pulses in flight (see run_lock).
        """
        with self.write() as tx:
            stale = events.mark_pending_unconfirmed(tx.conn, before)
        if stale:
            log.warning("store: %d access event(s) were recorded but their pulse was never "
                        "confirmed (the kiosk stopped in between); marked unconfirmed", stale)
        return stale

    @contextmanager
    def write(self) -> Iterator[Tx]:
        try:
            with writing(self.engine) as conn:
                yield Tx(conn, self._cipher, self._id_cipher)
        except SQLAlchemyError as exc:
            raise StoreError(f"{self.path}: write failed: {exc}") from exc

    @contextmanager
    def read(self) -> Iterator[Tx]:
        try:
            with reading(self.engine) as conn:
                yield Tx(conn, self._cipher, self._id_cipher)
        except SQLAlchemyError as exc:
            raise StoreError(f"{self.path}: read failed: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()
