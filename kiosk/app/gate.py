"""The turnstile protocol every way through the gate shares: record durably, pulse, settle.

A caller (a member's card, later a visitor's QR pass) hands `Gate.through()` a function that
runs inside the store's write transaction: it decides, records its event (and whatever it
spends: a visit, a locker, a pass use) and returns a `Passage` saying which event the pulse
belongs to and how to undo what was spent. The transaction commits before the relay moves,
so every pulse the turnstile ever gives has its event. Then:

- the pulse went out: the event becomes "confirmed" (with the caller's `on_confirm`, e.g. an
  exit freeing its locker);
- the relay raised a plain DeviceError, which proves nothing was sent: the event becomes
  "failed" and the caller's `undo` runs in the same transaction (the visit is refunded);
- the relay raised RelayStateUnknown (the on may have gone out) or anything else (a driver
  bug): the event becomes "unconfirmed", nothing is undone, staff settles it.

An outcome the store refuses is kept in memory and retried by `retry_unsaved()`, which runs
at the start of the next pass and from the kiosk's periodic tick; until then the row stays
"pending", which sync never sends (and which the next start turns into "unconfirmed").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from devices import DeviceError, Health, Relay
from devices.errors import RelayStateUnknown
from kiosk.store import PulseState, Store, StoreError, Tx

from .listeners import Listeners, Unsubscribe

log = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P", covariant=True)  # a Through[Plan] is a Through[object] to a gate listener
TxAction = Callable[[Tx], None]


@dataclass(frozen=True)
class Passage:
    """What a caller recorded for one pulse of the gate, and how to settle it."""

    event_uuid: str
    refunded: bool = False  # `undo` gives back a visit: the failed event says so
    undo: TxAction | None = None  # runs with the "failed" mark, only when nothing went out
    on_confirm: TxAction | None = None  # runs with the "confirmed" mark (and its retries)


@dataclass(frozen=True)
class Through(Generic[P]):
    """How a pass through the gate went: the caller's own plan and the pulse's fate."""

    plan: P
    pulse: PulseState  # NONE (no pulse asked), CONFIRMED, PENDING (opened, confirm unsaved),
    #                    FAILED (nothing went out, undone) or UNCONFIRMED (may have opened)
    error: Exception | None = None  # the relay's error, for FAILED and UNCONFIRMED

    @property
    def opened(self) -> bool:
        """The pulse went out (whether or not its confirm is saved yet)."""
        return self.pulse in (PulseState.CONFIRMED, PulseState.PENDING)


@dataclass(frozen=True)
class _Outcome:
    """A pulse outcome to record (idempotent, so it can be retried)."""

    uuid: str
    state: PulseState
    on_confirm: TxAction | None = None


class Gate:
    """The turnstile relay channel and the protocol around every pulse of it.

    Passes are serialised: the write transaction, the pulse and the outcome of one pass
    finish before the next pass starts, whichever thread (card reader, scanner) it comes from.
    """

    def __init__(self, store: Store, relay: Relay, channel: int = 0, pulse_ms: int = 400) -> None:
        self.store = store
        self.relay = relay
        self.channel = channel
        self.pulse_ms = pulse_ms
        self._lock = threading.Lock()
        self._health = Health.ok()
        self._unsaved: list[_Outcome] = []  # pulse outcomes the store refused; retried
        self._listeners: Listeners[Through[object]] = Listeners(log, "gate")

    def subscribe(self, listener: Callable[[Through[object]], None]) -> Unsubscribe:
        """Call `listener` after every pass that asked for a pulse (on the passing thread)."""
        return self._listeners.subscribe(listener)

    def health(self) -> Health:
        """Down after a relay error until the next pulse succeeds. Reads only."""
        return self._health

    @property
    def unsaved(self) -> int:
        """How many pulse outcomes wait for the store to take them."""
        return len(self._unsaved)

    def retry_unsaved(self) -> None:
        """Record outcomes the store refused earlier. The kiosk's tick calls it; it gives way
        (returns at once) while a pass is going through, which retries them itself."""
        if self._unsaved and self._lock.acquire(blocking=False):
            try:
                self._retry_unsaved()
            finally:
                self._lock.release()

    def through(self, record: Callable[[Tx], tuple[T, Passage | None]],
                after_pulse: Callable[[T], None] | None = None) -> Through[T]:
        """Run `record` in a write transaction, commit, then pulse if it returned a Passage.

        `after_pulse(plan)` runs once the pulse went out, before the confirm is recorded (the
        member entrance opens a locker there). A StoreError from the transaction propagates:
        nothing was recorded and nothing opened.
        """
        with self._lock:
            self._retry_unsaved()
            with self.store.write() as tx:
                plan, passage = record(tx)
            if passage is None:
                return Through(plan, PulseState.NONE)
            try:
                self.relay.pulse(self.channel, self.pulse_ms)
            except Exception as exc:
                through = self._failed(plan, passage, exc)
            else:
                self._health = Health.ok()
                if after_pulse is not None:
                    try:
                        after_pulse(plan)
                    except Exception:  # the gate did open: its confirm must still be recorded
                        log.exception("entrance: after-pulse step failed")
                error = self._save(_Outcome(passage.event_uuid, PulseState.CONFIRMED,
                                            passage.on_confirm))
                if error is not None:
                    # The gate did open; the row stays pending until a retry gets through.
                    log.error("entrance: could not mark the pulse confirmed; will retry: %s", error)
                    through = Through(plan, PulseState.PENDING)
                else:
                    through = Through(plan, PulseState.CONFIRMED)
        self._listeners.publish(through)
        return through

    def test_pulse(self, requested_by: str) -> None:
        """A pulse a technician asked for (`kiosk diag --pulse`, the console): waits for a pass
        in progress like any pass, is logged with who asked, and is never an entry. Raises
        the relay's DeviceError."""
        with self._lock:
            try:
                self.relay.pulse(self.channel, self.pulse_ms)
            except Exception as exc:
                log.warning("gate: test pulse on channel %d asked by %s failed: %s",
                            self.channel, requested_by, exc)
                raise
            self._health = Health.ok()
        log.info("gate: test pulse on channel %d asked by %s", self.channel, requested_by)

    def when_idle(self, fn: Callable[[], T], timeout_s: float = 2.0) -> T | None:
        """fn() between passes (no pulse in flight: a relay read-back then means something);
        None when a pass holds the gate longer than timeout_s."""
        if not self._lock.acquire(timeout=timeout_s):
            return None
        try:
            return fn()
        finally:
            self._lock.release()

    # -- outcomes ------------------------------------------------------------------------------
    def _failed(self, plan: T, passage: Passage, exc: Exception) -> Through[T]:
        level = logging.ERROR if isinstance(exc, DeviceError) else logging.CRITICAL
        log.log(level, "entrance: gate relay failed: %s", exc, exc_info=not isinstance(exc, DeviceError))
        self._health = Health.down(f"gate relay: {exc}")
        # Only a plain DeviceError proves the on never went out; after RelayStateUnknown (or
        # a bug in a driver) the gate may have opened and someone may be through.
        if not isinstance(exc, DeviceError) or isinstance(exc, RelayStateUnknown):
            error = self._save(_Outcome(passage.event_uuid, PulseState.UNCONFIRMED))
            if error is not None:
                log.error("entrance: could not record the unconfirmed pulse; will retry: %s", error)
            return Through(plan, PulseState.UNCONFIRMED, exc)
        try:
            with self.store.write() as tx:
                tx.set_pulse_state(passage.event_uuid, PulseState.FAILED, refunded=passage.refunded)
                if passage.undo is not None:
                    passage.undo(tx)
        except StoreError:
            log.exception("entrance: could not record the relay failure")
        return Through(plan, PulseState.FAILED, exc)

    def _save(self, outcome: _Outcome) -> StoreError | None:
        """Record a pulse outcome; if the store refuses, keep it for a later retry."""
        try:
            with self.store.write() as tx:
                tx.set_pulse_state(outcome.uuid, outcome.state)
                if outcome.on_confirm is not None:
                    outcome.on_confirm(tx)
        except StoreError as exc:
            self._unsaved.append(outcome)
            return exc
        return None

    def _retry_unsaved(self) -> None:
        """Called with self._lock held, on the next pass and from retry_unsaved()."""
        if not self._unsaved:
            return
        waiting, self._unsaved = self._unsaved, []
        for i, outcome in enumerate(waiting):
            if self._save(outcome) is not None:
                self._unsaved.extend(waiting[i + 1 :])  # the store is still failing
                return
        log.info("entrance: %d pulse outcome(s) recorded after a store failure", len(waiting))
