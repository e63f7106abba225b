"""The entrance pipeline: tap -> lookup -> decide -> record durably -> pulse -> publish.

The event row (and the visit it consumes, and the locker it assigns) is committed before any
relay moves, so every pulse the turnstile ever gives has its event. A relay error that proves
nothing was sent marks the event failed and refunds the visit; one after the on went out
(RelayStateUnknown) marks it unconfirmed and keeps the visit spent. Either way the member is
sent to staff. Taps are handled one at a
time: the store's write transaction spans lookup to event, so two readers (or processes)
cannot both spend a member's last visit.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from devices import DeviceError, Health, Relay, Tap
from devices.errors import RelayStateUnknown
from kiosk.domain.access import decide
from kiosk.domain.model import Decision, Member, Policy, Reason
from kiosk.store import Event, Locker, PulseState, Store, StoreError, Tx
from lobby_core.masking import mask_name, mask_uid

from . import occupancy
from .lockers import LockerBank
from .result import EXIT_GRANTED, EXIT_UNKNOWN, SYSTEM_ERROR, EntranceResult

log = logging.getLogger(__name__)
Listener = Callable[[EntranceResult], None]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EntranceSettings:
    facility: str
    policy: Policy
    direction: str = "entry"
    gate_channel: int = 0
    pulse_ms: int = 400


@dataclass
class _Plan:
    """What the transaction decided; the pulses happen after it commits."""

    result: EntranceResult
    gate: bool
    locker: Locker | None = None
    new_locker: bool = False
    consumed: bool = False
    release_locker: bool = False  # an exit: the locker is freed once the gate has opened


@dataclass(frozen=True)
class _Outcome:
    """A pulse outcome to record (idempotent, so it can be retried)."""

    uuid: str
    state: PulseState
    release_locker_of: str | None = None  # an exit through the gate frees the locker


class EntrancePipeline:
    def __init__(self, store: Store, gate: Relay, settings: EntranceSettings,
                 lockers: LockerBank | None = None, clock: Clock = utc_now) -> None:
        if settings.direction not in ("entry", "exit"):
            raise ValueError(f"direction must be entry or exit, got {settings.direction!r}")
        self.store = store
        self.gate = gate
        self.settings = settings
        self.lockers = lockers
        self.clock = clock
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()
        self._health = Health.ok()
        self._unsaved: list[_Outcome] = []  # pulse outcomes the store refused; retried

    # -- listeners -------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every result (in the reader's thread); returns unsubscribe."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _publish(self, result: EntranceResult) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(result)
            except Exception:  # a broken screen must not stop the turnstile
                log.exception("entrance: a result listener failed")

    def health(self) -> Health:
        """Down after a relay error until the next pulse succeeds.

        Also retries recording pulse outcomes the store refused (the kiosk asks every
        second), unless a tap is being handled right now."""
        if self._unsaved and self._lock.acquire(blocking=False):
            try:
                self._retry_unsaved()
            finally:
                self._lock.release()
        return self._health

    # -- the tap ---------------------------------------------------------------------------
    def handle_tap(self, tap: Tap) -> EntranceResult:
        with self._lock:
            self._retry_unsaved()
            now = self.clock()
            try:
                plan = self._record(tap.uid, now)
            except StoreError:
                log.exception("entrance: could not record the tap; nothing was opened")
                result = self._error_result(now)
            else:
                result = self._actuate(plan)
        log.info("%s", result.log_line())
        self._publish(result)
        return result

    def _record(self, uid: str, now: datetime) -> _Plan:
        s = self.settings
        with self.store.write() as tx:
            member = tx.member_by_uid(uid)
            if s.direction == "exit":
                plan = self._plan_exit(tx, member, now)
            else:
                rule = tx.facility_rule(s.facility)
                act = occupancy.activity(tx, uid, member, s.facility, now, rule, s.policy)
                decision = decide(member, s.facility, now, rule, act, s.policy, tx.members_as_of())
                plan = self._plan_entry(tx, member, decision, now)
            r = plan.result
            tx.insert_event(Event(
                uuid=r.event_uuid or "", at=now, facility=s.facility, direction=s.direction,
                card_uid=uid, member_no=r.member_no, granted=r.granted, reason=r.reason,
                consumed_visit=plan.consumed, visits_left=r.visits_left, pulse_state=r.pulse,
                locker=r.locker,
            ))
        if member is None:
            log.info("entrance: unknown card %s", mask_uid(uid))
        return plan

    def _plan_entry(self, tx: Tx, member: Member | None, decision: Decision, now: datetime) -> _Plan:
        locker: Locker | None = None
        new_locker = False
        if self.lockers is not None and decision.member_no is not None and member is not None:
            held = tx.locker_of(decision.member_no)
            if decision.granted:
                locker = held or tx.assign_locker(decision.member_no, self.lockers.order, now)
                new_locker = held is None and locker is not None
            elif held is not None and self.lockers.may_open_own(
                    member, decision, self.settings.facility, now, self.settings.policy.zone):
                locker = held
        visits_left = decision.visits_left
        consumed = False
        if decision.granted and decision.consumes_visit and decision.member_no is not None:
            visits_left = tx.consume_visit(decision.member_no)
            consumed = True
        detail = dict(decision.detail)
        if decision.granted and self.lockers is not None and locker is None:
            detail["locker"] = "none_free"
        result = EntranceResult(
            at=now, direction="entry", granted=decision.granted,
            reason=decision.reason.value if decision.reason else None,
            message_key=decision.message_key, member_no=decision.member_no,
            display_name=decision.display_name, visits_left=visits_left,
            locker=locker.label if locker else None,
            pulse=PulseState.PENDING if decision.granted else PulseState.NONE,
            see_staff=False, event_uuid=str(uuid.uuid4()), detail=detail,
        )
        return _Plan(result, gate=decision.granted, locker=locker, new_locker=new_locker,
                     consumed=consumed)

    def _plan_exit(self, tx: Tx, member: Member | None, now: datetime) -> _Plan:
        if member is None:
            result = EntranceResult(
                at=now, direction="exit", granted=False, reason=Reason.UNKNOWN_CARD.value,
                message_key=EXIT_UNKNOWN, member_no=None, display_name="", visits_left=None,
                locker=None, pulse=PulseState.NONE, see_staff=False, event_uuid=str(uuid.uuid4()),
            )
            return _Plan(result, gate=False)
        # Leaving is never refused to a known card, whatever the state of the membership.
        # The locker stays the member's until the gate has opened: if it does not, their
        # things are still in it and the next member must not be given it.
        locker = tx.locker_of(member.member_no) if self.lockers is not None else None
        result = EntranceResult(
            at=now, direction="exit", granted=True, reason=None, message_key=EXIT_GRANTED,
            member_no=member.member_no, display_name=mask_name(member.name),
            visits_left=member.visits_remaining, locker=locker.label if locker else None,
            pulse=PulseState.PENDING, see_staff=False, event_uuid=str(uuid.uuid4()),
        )
        return _Plan(result, gate=True, locker=locker, release_locker=locker is not None)

    def _actuate(self, plan: _Plan) -> EntranceResult:
        result = plan.result
        uuid_ = result.event_uuid or ""
        if plan.gate:
            try:
                self.gate.pulse(self.settings.gate_channel, self.settings.pulse_ms)
            except Exception as exc:
                return self._gate_failed(plan, exc)
            self._health = Health.ok()
        if plan.locker is not None and self.lockers is not None:
            try:
                self.lockers.open(plan.locker)
            except Exception as exc:  # the member got in; staff opens the locker by key
                log.error("entrance: locker %s did not open: %s", plan.locker.label, exc)
                result = replace(result, see_staff=True,
                                 detail={**result.detail, "locker_failed": "true"})
        if plan.gate:
            outcome = _Outcome(uuid_, PulseState.CONFIRMED,
                               result.member_no if plan.release_locker else None)
            error = self._save(outcome)
            if error is not None:
                # The gate did open; the row stays pending (which sync never sends) until a
                # retry gets through, or becomes "unconfirmed" at the next start.
                log.error("entrance: could not mark the pulse confirmed; will retry: %s", error)
                return result
            result = replace(result, pulse=PulseState.CONFIRMED)
        return result

    def _save(self, outcome: _Outcome) -> StoreError | None:
        """Record a pulse outcome; if the store refuses, keep it for a later retry."""
        try:
            with self.store.write() as tx:
                tx.set_pulse_state(outcome.uuid, outcome.state)
                if outcome.release_locker_of:
                    tx.release_locker(outcome.release_locker_of)
        except StoreError as exc:
            self._unsaved.append(outcome)
            return exc
        return None

    def _retry_unsaved(self) -> None:
        """Called with self._lock held, on the next tap and on health checks."""
        if not self._unsaved:
            return
        waiting, self._unsaved = self._unsaved, []
        for i, outcome in enumerate(waiting):
            if self._save(outcome) is not None:
                self._unsaved.extend(waiting[i + 1 :])  # the store is still failing
                return
        log.info("entrance: %d pulse outcome(s) recorded after a store failure", len(waiting))

    def _gate_failed(self, plan: _Plan, exc: Exception) -> EntranceResult:
        level = logging.ERROR if isinstance(exc, DeviceError) else logging.CRITICAL
        log.log(level, "entrance: gate relay failed: %s", exc, exc_info=not isinstance(exc, DeviceError))
        self._health = Health.down(f"gate relay: {exc}")
        # Only a plain DeviceError proves the on never went out; after RelayStateUnknown (or
        # a bug in a driver) the gate may have opened and the member may be through.
        if not isinstance(exc, DeviceError) or isinstance(exc, RelayStateUnknown):
            return self._gate_unknown(plan)
        result = plan.result
        try:
            with self.store.write() as tx:
                tx.set_pulse_state(result.event_uuid or "", PulseState.FAILED, refunded=plan.consumed)
                if plan.consumed and result.member_no:
                    tx.refund_visit(result.member_no)
                if plan.new_locker and result.member_no:
                    tx.release_locker(result.member_no)
        except StoreError:
            log.exception("entrance: could not record the relay failure")
        visits = result.visits_left + 1 if plan.consumed and result.visits_left is not None \
            else result.visits_left
        detail = dict(result.detail)
        if plan.locker is not None and not plan.new_locker:
            detail["locker_failed"] = "true"  # still theirs, not opened
        return replace(result, pulse=PulseState.FAILED, see_staff=True, visits_left=visits,
                       locker=None if plan.new_locker else result.locker, detail=detail)

    def _gate_unknown(self, plan: _Plan) -> EntranceResult:
        """The gate may have opened: the visit stays spent, the locker stays assigned and the
        event counts as an entry (anti-passback, occupancy); staff settles it."""
        result = plan.result
        error = self._save(_Outcome(result.event_uuid or "", PulseState.UNCONFIRMED))
        if error is not None:
            log.error("entrance: could not record the unconfirmed pulse; will retry: %s", error)
        detail = dict(result.detail)
        if plan.locker is not None:
            detail["locker_failed"] = "true"  # not opened: staff opens it by key
        return replace(result, pulse=PulseState.UNCONFIRMED, see_staff=True, detail=detail)

    def _error_result(self, now: datetime) -> EntranceResult:
        return EntranceResult(
            at=now, direction=self.settings.direction, granted=False, reason=None,
            message_key=SYSTEM_ERROR, member_no=None, display_name="", visits_left=None,
            locker=None, pulse=PulseState.NONE, see_staff=True, event_uuid=None,
        )
