"""The visitor desk: register a visitor -> wait for reception's decision -> print a slip.

- `register(form)` validates every field (kiosk.app.visitor_form), checks the synced blocklist
  (HMAC of the canonical ID number; a match is told to see reception, never why, and still
  goes to central, which flags it), queues the registration (ID number encrypted under its
  own key) and asks sync to push it now. The same form (same client id) twice is one visit.
- `await_approval(ticket, timeout_s)` waits, on the caller's thread (a UI worker, never the UI
  thread), for central's decision, which the sync long-poll records: approved (with the
  pass), denied (with the reason), timed_out (central has it, nobody decided in time) or
  central_unreachable (central never took it). After a restart `in_progress()` gives the
  tickets to wait for again; nothing is registered twice.
- `approve_with_pin(ticket, receptionist, pin)`: a receptionist approves at the kiosk.
- `check_invitation(qr_text)`: a scanned invitation, checked offline (and with central when it
  answers): whom it is for (masked, or "invited guest" offline) and until when, or why not.
  The visitor then registers with the form's `invitation` set: online central approves at
  once (or, blocklisted, reception decides as for any visitor); when central cannot be reached
  `await_approval` accepts it here if the invitation allows (kiosk.app.invitation), with a
  pass signed by this kiosk.
- `print_slip(ticket)` prints the approved visitor's slip; when the printer fails the result
  carries the same slip to show on screen, and the printer's health says so until a slip
  prints again: a visitor never leaves with nothing.
- `upkeep()` (from Kiosk.tick) purges visits `retention_days` after they ended, hourly.

Every result is published to subscribers. Nothing personal is logged: a registration is
named by the first characters of its client id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from devices import DeviceError, Health, IdCard, Printer, Slip
from kiosk.store import HostEntry, Store, VisitorRequest, VisitState
from kiosk.sync.worker import VisitNews
from lobby_core import passes

from . import visitor_form, visitor_slip
from .errors import ServiceUnavailable
from .invitation import CannotSignHere, InvitationCheck, InvitationRefused, Invitations
from .listeners import Listeners, Unsubscribe
from .visitor_form import FormError, VisitorForm

log = logging.getLogger(__name__)

# Result states.
APPROVED: Final = "approved"
DENIED: Final = "denied"
TIMED_OUT: Final = "timed_out"
CENTRAL_UNREACHABLE: Final = "central_unreachable"
SEE_RECEPTION: Final = "see_reception"  # the visitor is sent to reception (never told why)
ID_CARD_READ: Final = "id_card_read"
PRINTED: Final = "printed"
PRINT_FAILED: Final = "print_failed"

NOT_ACCEPTED = "the registration was not accepted; please see reception"
PURGE_EVERY: Final = timedelta(hours=1)
RECHECK_S: Final = 1.0  # a wait also re-reads the store this often (another process may write)
_DECIDED_NO: Final = frozenset({"denied", "expired", "revoked"})

__all__ = ["FormError", "InvitationCheck", "VisitorDesk", "VisitorForm", "VisitorRequest", "VisitorResult",
           "VisitorTicket"]


class PinApproval(Protocol):
    """kiosk.app.pin_approval.PinApproval: approves a visit with a receptionist's PIN and
    returns the kiosk-signed pass text; raises PinWrong, PinLocked or PinUnavailable."""

    def approve(self, client_id: str, receptionist: str, pin: str, now: datetime) -> str: ...


@dataclass(frozen=True, slots=True)
class VisitorTicket:
    """A registration the kiosk has queued; `ref` is its client id (central's key too)."""

    ref: str
    at: datetime
    see_reception: bool = False


@dataclass(frozen=True, slots=True)
class VisitorResult:
    ref: str
    state: str  # see the state constants above
    reason: str = ""
    pass_text: str | None = field(default=None, repr=False)
    slip: Slip | None = field(default=None, repr=False)  # printed, or to show on screen
    card: IdCard | None = None  # ID_CARD_READ only; IdCard masks its own repr


@dataclass(frozen=True, slots=True)
class DeskSettings:
    place: str = "Lobby kiosk"  # the name on the slip
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    approval_wait_s: float = 120.0
    retention_days: int = 30
    privacy_notice_version: str = "1"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def blocklist_hash(key: bytes, canonical_key: str) -> str:
    """How central hashes a blocklisted number for kiosks (the /api/v1/blocklist contract)."""
    return hmac.new(key, canonical_key.encode(), hashlib.sha256).hexdigest()


class VisitorDesk:
    def __init__(self, store: Store, printer: Printer | None, settings: DeskSettings | None = None, *,
                 nudge: Callable[[], None] | None = None, pin_approval: PinApproval | None = None,
                 clock: Callable[[], datetime] = _utcnow, invitations: Invitations | None = None) -> None:
        self.store = store
        self.printer = printer  # None when not configured or the configured one failed to open
        self.settings = settings or DeskSettings()
        self.pin_approval = pin_approval
        self._nudge = nudge or (lambda: None)
        self._clock = clock
        self._listeners: Listeners[VisitorResult] = Listeners(log, "visitor desk")
        self._changed = threading.Condition()
        self._generation = 0
        self._failures: list[tuple[float, str]] = []  # (attempt started, why), newest last
        self._queued_at: dict[str, float] = {}  # client id -> time.monotonic() when queued
        self._kiosk_passes: dict[str, str] = {}  # client id -> pass approved here with a PIN
        # Without one given, invitations are still checked offline but never accepted offline.
        self.invitations = invitations or Invitations(store, zone=self.settings.zone, clock=clock)
        self._invited: dict[str, tuple[str, int]] = {}  # client id -> (invitation QR, party size)
        self._print_lock = threading.Lock()
        self._print_problem: str | None = None
        self._next_purge: datetime | None = None

    def subscribe(self, listener: Callable[[VisitorResult], None]) -> Unsubscribe:
        """Call `listener` with every visitor result; returns unsubscribe."""
        return self._listeners.subscribe(listener)

    def _publish(self, result: VisitorResult) -> VisitorResult:
        self._listeners.publish(result)
        return result

    # -- the ID card reader and the host directory -------------------------------------------
    def handle_id_card(self, card: IdCard) -> None:
        """The ID card reader's callback (its thread): hand the card to the screen, which
        fills the form from it (VisitorForm.from_id_card)."""
        log.info("visitor desk: an ID card (%s) was read", card.id_type.value)
        self._publish(VisitorResult("", ID_CARD_READ, card=card))

    def search_hosts(self, text: str) -> list[HostEntry]:
        """At most 10 hosts matching `text` (2 characters at least), never the whole list."""
        with self.store.read() as tx:
            return tx.search_hosts(text)

    # -- invitations ---------------------------------------------------------------------------
    def check_invitation(self, qr_text: str) -> InvitationCheck:
        """A scanned invitation QR: whom it is for and until when, or why it is refused (caller's
        thread: it may ask central, a few seconds at most)."""
        check = self.invitations.check(qr_text, self._clock())
        log.info("visitor desk: invitation %s %s", check.invitation_id if check.invitation_id is not None
                 else "-", "accepted" if check.accepted else f"refused ({check.reason})")
        return check

    # -- registration --------------------------------------------------------------------------
    def register(self, form: VisitorForm) -> VisitorTicket:
        """Validate, check the blocklist, queue and push; FormError names a refused field (an
        invitation refused by the offline checks: field "invitation", its message key)."""
        now = self._clock()
        valid = visitor_form.validate(form, notice_version=self.settings.privacy_notice_version,
                                      today=now.astimezone(self.settings.zone).date())
        request = valid.request
        if request.invitation is not None:
            refused = self.invitations.verify_offline(request.invitation, now)
            if refused is not None:
                # Nothing is queued: a refused invitation reaches central from no kiosk.
                raise FormError("invitation", refused.message_key,
                                f"the invitation is refused ({refused.reason})")
            self._invited[request.client_id] = (request.invitation, request.party_size)
        with self.store.write() as tx:
            existing = tx.visit_state(request.client_id)
            blocklist = tx.blocklist()
            if existing is None:
                tx.queue_visit(request, now)
        flagged = blocklist is not None and blocklist_hash(blocklist[0], valid.blocklist_key) in blocklist[1]
        ref = request.client_id
        if existing is not None:
            log.info("visitor desk: registration %s was already queued; not registered again", ref[:8])
            return VisitorTicket(ref, existing.created_at or now, flagged)
        self._queued_at[ref] = time.monotonic()
        log.info("visitor desk: registration %s queued (%s, party of %d)", ref[:8], request.id_type,
                 request.party_size)
        self._nudge()
        ticket = VisitorTicket(ref, now, flagged)
        if flagged:
            # Central flags it from its own blocklist; the visitor only hears "see reception".
            log.warning("visitor desk: registration %s matches the blocklist", ref[:8])
            self._publish(VisitorResult(ref, SEE_RECEPTION))
        return ticket

    def in_progress(self) -> list[VisitorTicket]:
        """Registrations still waiting for central (after a restart: wait for them again)."""
        with self.store.read() as tx:
            return [VisitorTicket(s.client_id, s.created_at or self._clock()) for s in tx.open_visits()]

    # -- waiting for the decision --------------------------------------------------------------
    def on_sync_news(self, news: VisitNews) -> None:
        """Sync's listener (its threads): a visit changed, or central could not be reached."""
        with self._changed:
            if news.failure is not None:
                self._failures = [*self._failures[-9:], (news.attempt_started, news.failure)]
            self._generation += 1
            self._changed.notify_all()

    def _state(self, ref: str) -> VisitState | None:
        with self.store.read() as tx:
            return tx.visit_state(ref)

    def _decided(self, ref: str, st: VisitState | None) -> VisitorResult | None:
        kiosk_pass = self._kiosk_passes.get(ref)
        if kiosk_pass is not None:
            return VisitorResult(ref, APPROVED, pass_text=kiosk_pass)
        if st is None:
            return VisitorResult(ref, DENIED, NOT_ACCEPTED)  # purged, or never queued here
        if st.status == "approved" and st.pass_text:
            return VisitorResult(ref, APPROVED, pass_text=st.pass_text)
        if st.status in _DECIDED_NO:
            return VisitorResult(ref, DENIED, st.deny_reason or st.status)
        if st.status == "rejected":
            log.warning("visitor desk: central refused registration %s", ref[:8])
            return VisitorResult(ref, DENIED, NOT_ACCEPTED)
        return None

    def _unreachable_since(self, since: float) -> str | None:
        with self._changed:
            failures = [why for started, why in self._failures if started >= since]
        return failures[-1] if failures else None

    def await_approval(self, ticket: VisitorTicket, timeout_s: float | None = None) -> VisitorResult:
        """Block until central decides, the wait runs out (`[visitors] approval_wait_s` unless
        given) or central is found unreachable; the result is also published."""
        timeout = self.settings.approval_wait_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        # A failed attempt only counts if it started after the registration was queued (or,
        # after a restart, after this wait began): an earlier one never carried it.
        since = self._queued_at.get(ticket.ref, time.monotonic())
        while True:
            with self._changed:
                generation = self._generation
            st = self._state(ticket.ref)
            result = self._decided(ticket.ref, st)
            if result is None and st is not None and st.status == "queued":
                why = self._unreachable_since(since)
                if why is not None:
                    result = VisitorResult(ticket.ref, CENTRAL_UNREACHABLE, why)
            remaining = deadline - time.monotonic()
            if result is None and remaining <= 0:
                pending = st is not None and st.status == "pending"
                result = (VisitorResult(ticket.ref, TIMED_OUT) if pending
                          else VisitorResult(ticket.ref, CENTRAL_UNREACHABLE, "no answer"))
            if result is not None and ticket.ref in self._invited:
                result = self._invitation_outcome(ticket, result)
            if result is not None:
                log.info("visitor desk: registration %s: %s", ticket.ref[:8], result.state)
                self._queued_at.pop(ticket.ref, None)
                return self._publish(result)
            with self._changed:
                if self._generation == generation:
                    self._changed.wait(min(remaining, RECHECK_S))

    def _invitation_outcome(self, ticket: VisitorTicket, result: VisitorResult) -> VisitorResult:
        """An invited visit's answer: central's approval counts the use here too; no answer from
        central is accepted here when the invitation allows (never when the blocklist matched:
        an invitation never spares a blocklisted visitor a receptionist's look)."""
        qr_text, party = self._invited.pop(ticket.ref)
        if result.state == APPROVED:
            if ticket.ref not in self._kiosk_passes:
                self.invitations.note_used(qr_text, self._clock())
            return result
        if result.state != CENTRAL_UNREACHABLE or ticket.see_reception:
            return result
        try:
            pass_text = self.invitations.accept_offline(ticket.ref, qr_text, party, self._clock())
        except InvitationRefused as exc:
            return VisitorResult(ticket.ref, DENIED, exc.check.message_key)
        except CannotSignHere as exc:
            log.warning("visitor desk: invitation of %s not accepted offline (%s)", ticket.ref[:8], exc)
            return result
        self._kiosk_passes[ticket.ref] = pass_text
        self._nudge()  # central hears of it as soon as it is reachable
        return VisitorResult(ticket.ref, APPROVED, pass_text=pass_text)

    def approve_with_pin(self, ticket: VisitorTicket, receptionist: str, pin: str) -> VisitorResult:
        """A receptionist approves at the kiosk (central unreachable or the wait ran out).
        PinApproval's errors (wrong PIN, locked, unavailable) reach the caller unchanged."""
        if self.pin_approval is None:
            raise ServiceUnavailable("visitor desk", "PIN approval is not configured on this kiosk")
        pass_text = self.pin_approval.approve(ticket.ref, receptionist, pin, self._clock())
        self._kiosk_passes[ticket.ref] = pass_text
        with self._changed:
            self._generation += 1
            self._changed.notify_all()  # a wait in progress ends approved
        log.info("visitor desk: registration %s approved at the kiosk", ticket.ref[:8])
        self._nudge()  # central hears of it as soon as it is reachable
        return self._publish(VisitorResult(ticket.ref, APPROVED, pass_text=pass_text))

    # -- slips ---------------------------------------------------------------------------------
    def _valid_until(self, st: VisitState | None, pass_text: str) -> datetime | None:
        if st is not None and st.pass_text == pass_text and st.pass_valid_until is not None:
            return st.pass_valid_until
        try:  # a pass approved here: read its window with the keys sync keeps
            with self.store.read() as tx:
                doc = tx.pass_keys()
            keys = passes.TrustedKeys.from_published((doc or {}).get("keys", []))
            return passes.decode_pass(pass_text, keys).valid_until
        except passes.PassError:
            return None

    def slip_for(self, ticket: VisitorTicket) -> Slip:
        """The approved visitor's slip; ValueError before approval."""
        st = self._state(ticket.ref)
        pass_text = self._kiosk_passes.get(ticket.ref) or (st.pass_text if st is not None else None)
        approved_here = ticket.ref in self._kiosk_passes
        if not pass_text or (st is not None and st.status != "approved" and not approved_here):
            raise ValueError(f"registration {ticket.ref[:8]} is not approved")
        content = visitor_slip.SlipContent(
            place=self.settings.place,
            name_masked=(st.name_masked if st is not None else None) or "-",
            host=(st.host if st is not None else None) or "-",
            valid_until=self._valid_until(st, pass_text),
            slip_no=visitor_slip.slip_number(st.visit_id if st else None, st.pass_id if st else None,
                                             ticket.ref),
            pass_text=pass_text)
        return visitor_slip.build(content, self.settings.zone)

    def print_slip(self, ticket: VisitorTicket) -> VisitorResult:
        """Print the slip (caller's thread: it takes seconds); on any printer failure the result
        carries the slip for the screen and the failure shows in print_health()."""
        slip = self.slip_for(ticket)
        with self._print_lock:
            if self.printer is None:
                problem: str | None = "no printer"
            else:
                try:
                    self.printer.print_slip(slip)
                    problem = None
                except DeviceError as exc:
                    problem = str(exc) or type(exc).__name__
            self._print_problem = problem
        if problem is None:
            log.info("visitor desk: slip for %s printed", ticket.ref[:8])
            return self._publish(VisitorResult(ticket.ref, PRINTED, slip=slip))
        log.warning("visitor desk: slip for %s not printed (%s); shown on screen", ticket.ref[:8], problem)
        return self._publish(VisitorResult(ticket.ref, PRINT_FAILED, problem, slip=slip))

    def print_health(self) -> Health:
        """Degraded while the last slip did not print (Kiosk.health folds it into the printer's)."""
        problem = self._print_problem
        return Health.ok() if problem is None else Health.degraded(f"last slip not printed: {problem}")

    # -- privacy -------------------------------------------------------------------------------
    def upkeep(self) -> int:
        """From Kiosk.tick: at most hourly, delete visits that ended `retention_days` ago."""
        now = self._clock()
        if self._next_purge is not None and now < self._next_purge:
            return 0
        self._next_purge = now + PURGE_EVERY
        with self.store.write() as tx:
            purged = tx.purge_ended_visits(now - timedelta(days=self.settings.retention_days))
        self.invitations.upkeep(now)
        if purged:
            log.info("visitor desk: purged %d visit(s) older than %d days", purged,
                     self.settings.retention_days)
        return purged
