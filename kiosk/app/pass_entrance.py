"""The pass entrance: a QR scan -> verify offline -> decide -> the Gate -> a result.

A scanned line is decoded and its signature verified with the keys sync keeps (central's and
enrolled kiosks'), outside any write transaction; a genuine pass is then decided
(kiosk.domain.passes: window, facility, entries left, revocation, anti-passback) inside the
Gate's write transaction, which also records the event and counts the entry, so two scans
cannot both spend a single-entry pass. The Gate pulses after the commit; a relay error that
proves nothing went out gives the entry back, anything else keeps it spent (as for a card).

A scan that is not a genuine pass (garbage, forged, an invitation) is answered and logged
with its reason only and leaves no event: it names nobody, and a scanner fed noise must not
fill the store. The log never holds the payload (a pass is a credential), only the pass id
once it verified; nothing about a scan (a malformed payload, a bug, a failing listener) may
stop the scanner's loop: `handle_scan` never raises.

At an exit kiosk (`direction = "exit"`) the same scan checks the visitor out (签离): the
same verification, then `decide_exit` (a genuine, unrevoked pass opens the exit from its start
until a few hours after its end; facility, entries and anti-passback do not apply), the same
record-before-pulse through the Gate, an event with direction "exit" (sent as `visitor_exit`,
which central uses to take the visit off the roll call). An exit spends no entry, so a failed
pulse has nothing to give back.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from devices import Scan
from kiosk.domain.passes import (
    DEFAULT_EXIT_GRACE,
    PassDecision,
    PassPolicy,
    PassTrust,
    PassUsage,
    Unreadable,
    decide_exit,
    decide_pass,
    read_pass,
    refusal,
)
from kiosk.store import Event, PulseState, Store, StoreError, Tx
from lobby_core import passes

from .gate import Gate, Passage
from .listeners import Listeners, Unsubscribe

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

PASS_NOT_SUPPORTED = "pass_not_supported"
PASS_ERROR = "pass_error"  # handling the scan itself failed
MESSAGE_NOT_SUPPORTED = "pass.denied.not_supported"
MESSAGE_ERROR = "access.error"
# Expired passes' counts are kept this long after expiry (a kiosk whose clock ran behind must
# still see a pass's entries), then purged by upkeep().
KEEP_EXPIRED = timedelta(days=2)
UPKEEP_EVERY = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PassSettings:
    facility: str
    zone: ZoneInfo
    anti_passback: timedelta = timedelta(minutes=2)
    skew: timedelta = passes.DEFAULT_SKEW
    direction: str = "entry"
    exit_grace: timedelta = DEFAULT_EXIT_GRACE

    @property
    def policy(self) -> PassPolicy:
        return PassPolicy(self.zone, self.anti_passback, self.skew, self.exit_grace)


@dataclass(frozen=True, slots=True)
class PassResult:
    """What one scan came to, as published to listeners. Never holds the payload."""

    at: datetime
    granted: bool
    reason: str | None  # a kiosk.domain.passes.PassReason value, PASS_ERROR...; None when granted
    message_key: str
    see_staff: bool = False
    event_uuid: str | None = None  # None when nothing was recorded (not a genuine pass)
    pass_id: int | None = None  # once the signature verified
    entries_left: int | None = None
    pulse: PulseState = PulseState.NONE
    detail: dict[str, str] = field(default_factory=dict)

    def log_line(self) -> str:
        parts = ["pass", "granted" if self.granted else "denied",
                 f"pass_id={self.pass_id if self.pass_id is not None else '-'}",
                 f"reason={self.reason or '-'}"]
        if self.entries_left is not None:
            parts.append(f"entries_left={self.entries_left}")
        if self.pulse is not PulseState.NONE:
            parts.append(f"pulse={self.pulse.value}")
        if self.see_staff:
            parts.append("see_staff")
        return " ".join(parts)


@dataclass
class _Plan:
    """What the transaction decided; the pulse happens after it commits."""

    decision: PassDecision
    event_uuid: str


class PassEntrance:
    """QR scans at this kiosk's scanner. `handle_scan` runs on the scanner's thread."""

    def __init__(self, store: Store, gate: Gate, settings: PassSettings, clock: Clock = utc_now) -> None:
        if settings.direction not in ("entry", "exit"):
            raise ValueError(f"direction must be entry or exit, got {settings.direction!r}")
        self.store = store
        self.gate = gate  # the same turnstile the member entrance pulses
        self.settings = settings
        self.clock = clock  # for upkeep; a scan carries its own time
        self._lock = threading.Lock()
        self._listeners: Listeners[PassResult] = Listeners(log, "pass entrance")
        self._purged_at: datetime | None = None
        self._trust_source: tuple[object, object] | None = None
        self._trust: PassTrust | None = None

    def subscribe(self, listener: Callable[[PassResult], None]) -> Unsubscribe:
        """Call `listener` with every result (in the scanner's thread); returns unsubscribe."""
        return self._listeners.subscribe(listener)

    def handle_scan(self, scan: Scan) -> PassResult:
        try:
            with self._lock:
                result = self._decide(scan)
        except Exception as exc:
            # No traceback: its messages may quote the payload. The kind of failure is enough.
            log.error("pass entrance: could not handle a scan (%s)", type(exc).__name__)
            result = PassResult(at=scan.at, granted=False, reason=PASS_ERROR,
                                message_key=MESSAGE_ERROR, see_staff=True)
        log.info("%s", result.log_line())
        self._listeners.publish(result)
        return result

    def upkeep(self) -> None:
        """Forget the counts of passes long expired; at most hourly (Kiosk.tick calls it)."""
        now = self.clock()
        if self._purged_at is not None and now - self._purged_at < UPKEEP_EVERY:
            return
        self._purged_at = now
        with self.store.write() as tx:
            gone = tx.purge_pass_uses(now - KEEP_EXPIRED)
        if gone:
            log.info("pass entrance: forgot %d expired pass(es)", gone)

    # -- the scan ----------------------------------------------------------------------------
    def _decide(self, scan: Scan) -> PassResult:
        now = scan.at  # when the scanner read the code: what its window is checked against
        trust = self._load_trust()
        read = read_pass(scan.text, trust)
        if isinstance(read, Unreadable):
            d = refusal(read.reason)
            return PassResult(at=now, granted=False, reason=d.reason.value if d.reason else None,
                              message_key=d.message_key)
        claims = read
        try:
            through = self.gate.through(lambda tx: self._record(tx, claims, trust, now))
        except StoreError:
            log.exception("pass entrance: could not record pass %d; nothing was opened", claims.pass_id)
            return PassResult(at=now, granted=False, reason=PASS_ERROR, message_key=MESSAGE_ERROR,
                              see_staff=True, pass_id=claims.pass_id)
        d = through.plan.decision
        result = PassResult(
            at=now, granted=d.granted, reason=d.reason.value if d.reason else None,
            message_key=d.message_key, event_uuid=through.plan.event_uuid, pass_id=claims.pass_id,
            entries_left=d.entries_left, pulse=through.pulse, detail=dict(d.detail))
        if through.pulse is PulseState.FAILED:
            # Nothing went out and the entry was given back: as many left as before.
            left = None if d.entries_left is None else d.entries_left + 1
            return PassResult(at=now, granted=True, reason=None, message_key=d.message_key,
                              see_staff=True, event_uuid=result.event_uuid, pass_id=claims.pass_id,
                              entries_left=left, pulse=PulseState.FAILED, detail=result.detail)
        if through.pulse is PulseState.UNCONFIRMED:
            # The gate may have opened: the entry stays spent and staff settles it.
            return PassResult(at=now, granted=True, reason=None, message_key=d.message_key,
                              see_staff=True, event_uuid=result.event_uuid, pass_id=claims.pass_id,
                              entries_left=d.entries_left, pulse=PulseState.UNCONFIRMED,
                              detail=result.detail)
        return result

    def _record(self, tx: Tx, claims: passes.PassClaims, trust: PassTrust,
                now: datetime) -> tuple[_Plan, Passage | None]:
        exit_ = self.settings.direction == "exit"
        usage = PassUsage() if exit_ else tx.pass_usage(claims.pass_id)
        if exit_:
            decision = decide_exit(claims, now, self.settings.policy, trust.revocations)
        else:
            decision = decide_pass(claims, usage, self.settings.facility, now, self.settings.policy,
                                   trust.revocations)
        event_uuid = str(uuid.uuid4())
        tx.insert_event(Event(
            uuid=event_uuid, at=now, facility=self.settings.facility, direction=self.settings.direction,
            card_uid="", member_no=None, granted=decision.granted,
            reason=decision.reason.value if decision.reason else None, consumed_visit=False,
            visits_left=decision.entries_left,
            pulse_state=PulseState.PENDING if decision.granted else PulseState.NONE,
            pass_id=claims.pass_id, visit_id=claims.visit_id,
        ))
        plan = _Plan(decision, event_uuid)
        if not decision.granted:
            return plan, None
        if exit_:
            return plan, Passage(event_uuid)  # no entry was spent: nothing to give back
        tx.count_pass_entry(claims.pass_id, now, claims.valid_until)
        return plan, Passage(event_uuid, undo=_give_back(claims.pass_id, usage))

    def _load_trust(self) -> PassTrust:
        """Keys, facility table and revocations as sync last stored them; parsed again only
        when a document changed (reading keys costs more than verifying a signature)."""
        with self.store.read() as tx:
            source = tx.trust_stamp()  # the documents' text: parsing them costs more than a scan
            if self._trust is not None and self._trust_source == source:
                return self._trust
            keys_doc, revs_doc = tx.pass_keys(), tx.revocations()
        keys = passes.TrustedKeys([])
        table = passes.DEFAULT_FACILITIES
        if keys_doc is None:
            log.warning("pass entrance: no pass keys synced yet; every pass reads as forged")
        else:
            try:
                keys = passes.TrustedKeys.from_published(keys_doc.get("keys", []))
                if keys_doc.get("facilities"):
                    table = passes.FacilityTable.from_list(keys_doc["facilities"])
            except passes.BadTrustData as exc:
                log.error("pass entrance: the synced pass keys cannot be read (%s); "
                          "every pass reads as forged until the next sync", exc)
                keys, table = passes.TrustedKeys([]), passes.DEFAULT_FACILITIES
        try:
            revocations = passes.RevocationList.from_dict(revs_doc)
        except passes.BadTrustData as exc:
            # Failing closed would stop every visitor; the store only ever holds what sync
            # validated, so this is damage: say so loudly and check what can be read.
            log.error("pass entrance: the synced revocation list cannot be read (%s)", exc)
            revocations = passes.RevocationList()
        self._trust = PassTrust(keys, table, revocations)
        self._trust_source = source
        return self._trust


def _give_back(pass_id: int, before: PassUsage) -> Callable[[Tx], None]:
    def undo(tx: Tx) -> None:
        tx.refund_pass_entry(pass_id, before)

    return undo
