"""Approval of a visitor at the kiosk with a receptionist's PIN, when central cannot be asked
(unreachable) or the wait for reception ran out: check the PIN, sign the pass with the kiosk's
own key, record the approval for central.

Threads: `approve()` verifies an argon2 hash (a few hundred ms on a Raspberry Pi, by design:
the hashes are on the SD card) and writes to the store, so it runs on a worker thread, never
on the UI thread. Approvals take turns (one lock), so PINs cannot be guessed in parallel.

Lockout: MAX_FAILURES wrong PINs in a row (for any receptionist) lock PIN approval on this kiosk
for LOCK_FOR; the count and the lock are in the store, so a restart does not clear them. A
correct PIN, or the end of a lock, starts the count again.

The pass: a fresh random pass id (u32, as central draws them), visit id 0 (central has not
numbered the visit yet, or the kiosk signs before it knows), this kiosk's facility table from
the last sync, signed with the kiosk's Ed25519 key (central publishes its public half in
GET /api/v1/keys, so every kiosk verifies it after a sync). Neither the PIN nor its hash is
ever logged.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.store import Store
from kiosk.store.kiosk_approvals import APPROVABLE
from kiosk.store.pins import APPROVERS, Lockout
from kiosk.store.signing_key import KioskKeyFile
from lobby_core import passes

from .errors import PinLocked, PinUnavailable, PinWrong

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
# The longest a kiosk-signed pass may be valid: central keeps a revoked kiosk's key published
# this long (central.services.kiosks.KIOSK_PASS_MAX_VALIDITY; a test ties the two).
MAX_VALIDITY = timedelta(hours=24)
U32_MAX = 2**32 - 1


def utc_now() -> datetime:
    return datetime.now(UTC)


class PinApproval:
    """`approve()` returns the pass text, or raises PinWrong / PinLocked / PinUnavailable."""

    def __init__(self, store: Store, signer: KioskKeyFile, clock: Clock = utc_now, *,
                 facilities: frozenset[str] = frozenset({"lobby"}),
                 valid_for: timedelta = timedelta(hours=4), entries_per_person: int = 2,
                 hasher: PasswordHasher | None = None) -> None:
        if not timedelta(minutes=1) <= valid_for <= MAX_VALIDITY:
            raise ValueError(f"a kiosk-signed pass is valid 1 minute to {MAX_VALIDITY}")
        if not 1 <= entries_per_person <= 25:
            raise ValueError("entries_per_person must be 1 to 25")
        self.store = store
        self.signer = signer
        self.clock = clock
        self.facilities = facilities
        self.valid_for = valid_for
        self.entries_per_person = entries_per_person
        self._hasher = hasher or PasswordHasher()  # verify reads the parameters from the hash
        self._lock = threading.Lock()

    def receptionists(self) -> list[str]:
        """Who has a PIN on this kiosk (as of the last sync), by name."""
        with self.store.read() as tx:
            return tx.pin_users(APPROVERS)

    def locked_until(self, now: datetime | None = None) -> datetime | None:
        """When PIN approval unlocks, or None if it is not locked."""
        now = now or self.clock()
        with self.store.read() as tx:
            until = tx.pin_lockout().locked_until
        return until if until is not None and now < until else None

    def approve(self, client_id: str, receptionist: str, pin: str, now: datetime) -> str:
        """Approve the visit `client_id` (registered here, not decided by reception) if `pin` is
        `receptionist`'s; returns the pass text to print."""
        with self._lock:
            with self.store.read() as tx:
                lockout = tx.pin_lockout()
                status = tx.visit_status(client_id)
                # Only a receptionist's or an admin's PIN approves (a technician's does not).
                pin_hash = tx.pin_hash(receptionist, APPROVERS)
                anyone = bool(pin_hash) or bool(tx.pin_users(APPROVERS))
            if lockout.locked_until is not None and now < lockout.locked_until:
                raise PinLocked(lockout.locked_until)
            if status not in APPROVABLE:
                raise PinUnavailable(f"the visit is {status or 'unknown'} here, not waiting")
            if not anyone:
                raise PinUnavailable("no receptionist PINs on this kiosk yet (it has not synced)")
            if not self._matches(pin_hash, pin):
                self._wrong(now)  # raises
            with self.store.write() as tx:
                tx.set_pin_lockout(Lockout(0, None))
            text, claims = self._sign(client_id, now)
            with self.store.write() as tx:
                if tx.visit_status(client_id) not in APPROVABLE:  # reception answered meanwhile
                    raise PinUnavailable("reception decided on the visit meanwhile")
                tx.approve_visit_here(client_id, receptionist, now, claims.pass_id, text,
                                      claims.valid_until)
        log.info("pin approval: a visit was approved here by %s", receptionist)
        return text

    def _matches(self, pin_hash: str | None, pin: str) -> bool:
        if not pin_hash:
            return False
        try:
            return self._hasher.verify(pin_hash, pin)
        except VerificationError:
            return False
        except InvalidHashError:
            log.warning("pin approval: a PIN hash from central cannot be read; refusing it")
            return False

    def _wrong(self, now: datetime) -> None:
        with self.store.write() as tx:
            lockout = tx.pin_lockout()
            failures = 0 if lockout.locked_until is not None else lockout.failures  # a lock ended
            failures += 1
            if failures >= MAX_FAILURES:
                until = now + LOCK_FOR
                tx.set_pin_lockout(Lockout(0, until))
            else:
                tx.set_pin_lockout(Lockout(failures, None))
        if failures >= MAX_FAILURES:
            log.warning("pin approval: %d wrong PINs in a row; locked for %s", failures, LOCK_FOR)
            raise PinLocked(until)
        log.info("pin approval: wrong PIN (%d in a row)", failures)
        raise PinWrong(MAX_FAILURES - failures)

    def _sign(self, client_id: str, now: datetime) -> tuple[str, passes.PassClaims]:
        key = self.signer.load_or_create()
        with self.store.read() as tx:
            party = tx.visit_party_size(client_id)
            doc = tx.pass_keys()
        table = passes.DEFAULT_FACILITIES
        if doc and doc.get("facilities"):
            table = passes.FacilityTable.from_list(doc["facilities"])
        claims = passes.PassClaims(
            pass_id=secrets.randbelow(U32_MAX) + 1, visit_id=0, valid_from=now,
            valid_until=now + self.valid_for, facilities=self.facilities,
            # Central's rule is 2 per person; a visit central has already keeps no party size
            # here, so it gets one person's entries.
            entries_allowed=min(self.entries_per_person * (party or 1), passes.codec.MAX_ENTRIES))
        try:
            text = passes.encode_pass(claims, key, table)
        except passes.InvalidClaims as exc:  # e.g. a facility central's table does not have
            raise PinUnavailable(f"cannot sign a pass here: {exc}") from None
        mine = passes.TrustedKeys([passes.PublishedKey(key.key_id, key.public_key, None)])
        return text, passes.decode_pass(text, mine, table)  # the window as the wire rounds it
