"""The member entrance: a card tap -> lookup -> decide -> lockers -> the Gate -> a result.

What the Gate records for a tap is the event row, the visit it consumes and the locker it
assigns, all in the one write transaction that also looked the member up and decided, so two
readers (or processes) cannot both spend a member's last visit. A relay error that proves
nothing was sent marks the event failed and refunds the visit (and a newly given locker);
one after the on went out (RelayStateUnknown) marks it unconfirmed and keeps the visit spent.
Either way the member is sent to staff. Taps are handled one at a time.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from devices import Health, Tap
from kiosk.domain.access import decide
from kiosk.domain.model import Decision, Member, Policy, Reason
from kiosk.entrance import occupancy
from kiosk.entrance.lockers import LockerBank
from kiosk.entrance.result import EXIT_GRANTED, EXIT_UNKNOWN, SYSTEM_ERROR, EntranceResult
from kiosk.store import Event, Locker, PulseState, Store, StoreError, Tx
from lobby_core.masking import mask_name, mask_uid

from .gate import Gate, Passage, Through
from .listeners import Listeners, Unsubscribe

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


@dataclass
class _Plan:
    """What the transaction decided; the pulses happen after it commits."""

    result: EntranceResult
    gate: bool
    locker: Locker | None = None
    new_locker: bool = False
    consumed: bool = False
    release_locker: bool = False  # an exit: the locker is freed once the gate has opened
    locker_failed: bool = False  # set after the pulse when the locker did not open
    unknown_card: bool = False


class MemberEntrance:
    """Card taps at this kiosk's reader. `handle_tap` runs on the reader's thread."""

    def __init__(self, store: Store, gate: Gate, settings: EntranceSettings,
                 lockers: LockerBank | None = None, clock: Clock = utc_now) -> None:
        if settings.direction not in ("entry", "exit"):
            raise ValueError(f"direction must be entry or exit, got {settings.direction!r}")
        self.store = store
        self.gate = gate
        self.settings = settings
        self.lockers = lockers
        self.clock = clock
        self._lock = threading.Lock()
        self._listeners: Listeners[EntranceResult] = Listeners(log, "entrance")

    def subscribe(self, listener: Listener) -> Unsubscribe:
        """Call `listener` with every result (in the reader's thread); returns unsubscribe."""
        return self._listeners.subscribe(listener)

    def health(self) -> Health:
        """The gate's: down after a relay error until the next pulse succeeds."""
        return self.gate.health()

    # -- the tap ---------------------------------------------------------------------------
    def handle_tap(self, tap: Tap) -> EntranceResult:
        with self._lock:
            now = self.clock()
            try:
                through = self.gate.through(lambda tx: self._record(tx, tap.uid, now),
                                            self._open_locker)
            except StoreError:
                log.exception("entrance: could not record the tap; nothing was opened")
                result = self._error_result(now)
            else:
                if through.plan.unknown_card:
                    log.info("entrance: unknown card %s", mask_uid(tap.uid))
                result = self._settle(through)
        log.info("%s", result.log_line())
        self._listeners.publish(result)
        return result

    def _record(self, tx: Tx, uid: str, now: datetime) -> tuple[_Plan, Passage | None]:
        s = self.settings
        member = tx.member_by_uid(uid)
        if s.direction == "exit":
            plan = self._plan_exit(tx, member, now)
        else:
            rule = tx.facility_rule(s.facility)
            act = occupancy.activity(tx, uid, member, s.facility, now, rule, s.policy)
            decision = decide(member, s.facility, now, rule, act, s.policy, tx.members_as_of())
            plan = self._plan_entry(tx, member, decision, now)
        plan.unknown_card = member is None
        r = plan.result
        tx.insert_event(Event(
            uuid=r.event_uuid or "", at=now, facility=s.facility, direction=s.direction,
            card_uid=uid, member_no=r.member_no, granted=r.granted, reason=r.reason,
            consumed_visit=plan.consumed, visits_left=r.visits_left, pulse_state=r.pulse,
            locker=r.locker,
        ))
        if not plan.gate:
            return plan, None
        return plan, self._passage(plan)

    @staticmethod
    def _passage(plan: _Plan) -> Passage:
        member_no = plan.result.member_no

        def undo(tx: Tx) -> None:
            if plan.consumed and member_no:
                tx.refund_visit(member_no)
            if plan.new_locker and member_no:
                tx.release_locker(member_no)

        def free_locker(tx: Tx) -> None:
            if member_no:
                tx.release_locker(member_no)

        return Passage(plan.result.event_uuid or "", refunded=plan.consumed, undo=undo,
                       on_confirm=free_locker if plan.release_locker else None)

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

    # -- after the transaction -------------------------------------------------------------
    def _open_locker(self, plan: _Plan) -> None:
        """After a pulse that went out, or (for a denial) instead of one."""
        if plan.locker is None or self.lockers is None:
            return
        try:
            self.lockers.open(plan.locker)
        except Exception as exc:  # the member got in; staff opens the locker by key
            log.error("entrance: locker %s did not open: %s", plan.locker.label, exc)
            plan.locker_failed = True

    def _settle(self, through: Through[_Plan]) -> EntranceResult:
        plan = through.plan
        if through.pulse is PulseState.NONE:
            self._open_locker(plan)  # a denied member may still open the locker they hold
        result = plan.result
        if plan.locker_failed:
            result = replace(result, see_staff=True, detail={**result.detail, "locker_failed": "true"})
        if through.pulse is PulseState.CONFIRMED:
            return replace(result, pulse=PulseState.CONFIRMED)
        if through.pulse is PulseState.FAILED:
            return self._refunded(plan)
        if through.pulse is PulseState.UNCONFIRMED:
            # The gate may have opened: the visit stays spent, the locker stays assigned and
            # the event counts as an entry (anti-passback, occupancy); staff settles it.
            detail = dict(result.detail)
            if plan.locker is not None:
                detail["locker_failed"] = "true"  # not opened: staff opens it by key
            return replace(result, pulse=PulseState.UNCONFIRMED, see_staff=True, detail=detail)
        return result  # NONE (denied) or PENDING (opened; the confirm is retried)

    @staticmethod
    def _refunded(plan: _Plan) -> EntranceResult:
        result = plan.result
        visits = result.visits_left + 1 if plan.consumed and result.visits_left is not None \
            else result.visits_left
        detail = dict(result.detail)
        if plan.locker is not None and not plan.new_locker:
            detail["locker_failed"] = "true"  # still theirs, not opened
        return replace(result, pulse=PulseState.FAILED, see_staff=True, visits_left=visits,
                       locker=None if plan.new_locker else result.locker, detail=detail)

    def _error_result(self, now: datetime) -> EntranceResult:
        return EntranceResult(
            at=now, direction=self.settings.direction, granted=False, reason=None,
            message_key=SYSTEM_ERROR, member_no=None, display_name="", visits_left=None,
            locker=None, pulse=PulseState.NONE, see_staff=True, event_uuid=None,
        )
