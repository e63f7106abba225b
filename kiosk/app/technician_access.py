"""Technician mode on the touchscreen: the hidden entry asks for a PIN, and `verify()` says
whose it is, if it is a technician's or an admin's (a receptionist's PIN opens nothing here,
just as a technician's approves no visitor: kiosk.store.pins keeps the roles).

Threads: `verify()` checks argon2 hashes (a few hundred ms each on a Raspberry Pi, by design)
so it runs on a worker thread, never the UI thread. Attempts take turns (one lock), so PINs
cannot be guessed in parallel.

Throttling, as visitor approval's (kiosk.app.pin_approval): MAX_FAILURES wrong PINs in a row
lock technician mode on this kiosk for LOCK_FOR, counted in the store (its own count, so a
visitor mistyping a receptionist's PIN does not lock the technician out, and the other way
round), so a restart does not clear it. Neither the PIN nor its hash is ever logged.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.store import Store
from kiosk.store.pins import TECHNICIAN, TECHNICIANS, Lockout

from .errors import PinLocked
from .pin_approval import LOCK_FOR, MAX_FAILURES

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# Central's rule for a kiosk PIN (central.services.users.PIN): anything else cannot match, and
# is refused before any hashing (a 10 kB paste costs nothing).
_PIN = re.compile(r"[0-9]{4,8}")


def utc_now() -> datetime:
    return datetime.now(UTC)


class TechnicianAccess:
    """`verify(pin)` -> the technician's user name, or None for a wrong PIN; PinLocked while
    locked (and on the wrong PIN that locks it)."""

    def __init__(self, store: Store, clock: Clock = utc_now, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.clock = clock
        self._hasher = hasher or PasswordHasher()  # verify reads the parameters from the hash
        self._lock = threading.Lock()

    def available(self) -> bool:
        """Whether any technician PIN has reached this kiosk (else the entry can say so)."""
        with self.store.read() as tx:
            return bool(tx.pin_users(TECHNICIANS))

    def locked_until(self, now: datetime | None = None) -> datetime | None:
        now = now or self.clock()
        with self.store.read() as tx:
            until = tx.pin_lockout(TECHNICIAN).locked_until
        return until if until is not None and now < until else None

    def attempts_left(self) -> int:
        with self.store.read() as tx:
            return MAX_FAILURES - tx.pin_lockout(TECHNICIAN).failures

    def verify(self, pin: str) -> str | None:
        with self._lock:
            now = self.clock()
            with self.store.read() as tx:
                lockout = tx.pin_lockout(TECHNICIAN)
                candidates = tx.pin_hashes(TECHNICIANS)
            if lockout.locked_until is not None and now < lockout.locked_until:
                raise PinLocked(lockout.locked_until)
            user = self._match(candidates, pin) if _PIN.fullmatch(pin) else None
            if user is None:
                self._wrong(now, lockout)
                return None
            with self.store.write() as tx:
                tx.set_pin_lockout(Lockout(0, None), TECHNICIAN)
        log.info("technician mode: opened by %s", user)
        return user

    def _match(self, candidates: list[tuple[str, str]], pin: str) -> str | None:
        for user, pin_hash in candidates:
            try:
                if self._hasher.verify(pin_hash, pin):
                    return user
            except VerificationError:
                continue
            except InvalidHashError:
                log.warning("technician mode: a PIN hash from central cannot be read; skipping it")
        return None

    def _wrong(self, now: datetime, lockout: Lockout) -> None:
        failures = (0 if lockout.locked_until is not None else lockout.failures) + 1  # a lock ended
        if failures >= MAX_FAILURES:
            until = now + LOCK_FOR
            with self.store.write() as tx:
                tx.set_pin_lockout(Lockout(0, until), TECHNICIAN)
            log.warning("technician mode: %d wrong PINs in a row; locked for %s", failures, LOCK_FOR)
            raise PinLocked(until)
        with self.store.write() as tx:
            tx.set_pin_lockout(Lockout(failures, None), TECHNICIAN)
        log.info("technician mode: wrong PIN (%d in a row)", failures)
