"""Invitations at the lobby kiosk: check a scanned invitation QR, and accept it offline.

`check(qr_text)` verifies the code offline (signature with the keys sync keeps, validity window
with the passes' clock skew, the synced revocation list, this kiosk's use count) and, when
central answers, asks it (POST /api/v1/invitations/lookup) whom it is for (masked) and how many
uses are left. Offline the code names nobody (lobby_core.passes.invitation carries no personal
data), so the visitor is an "invited guest".

`accept_offline(...)` is the visitor desk's answer when central cannot be reached for the
check-in itself: the same offline checks, then a pass signed with the kiosk's own key (as PIN
approval signs, kiosk.app.pin_approval) recorded as approved "by invitation" and the use
counted, in one write transaction, so two visitors cannot both take an invitation's last use.
Sync sends it to central with the invitation (POST /visits with `invitation` and
`kiosk_approval`), where the use is counted too.

How many uses an invitation allows is not in its code: it is what central's lookup last said,
and one (central's default) while central never said. The log never holds the QR text.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from backend_client import errors, wire
from kiosk.store import Store
from kiosk.store.kiosk_approvals import APPROVABLE
from kiosk.store.signing_key import KioskKeyFile
from lobby_core import passes

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Lookup = Callable[[str], wire.Invitation]  # raises backend_client.errors.CentralError

BY_INVITATION: Final = "by invitation"  # the kiosk approval's `approved_by` central records
INVITED_GUEST: Final = "invited guest"
# Central creates invitations with one use unless reception says more; an offline kiosk that
# never heard otherwise assumes the least, so it never admits more than central would.
DEFAULT_ALLOWED: Final = 1
KEEP_EXPIRED: Final = timedelta(days=2)
U32_MAX: Final = 2**32 - 1


class InvitationReason(StrEnum):
    GARBAGE = "garbage"  # not one of our codes, or a pass scanned as an invitation
    FORGED = "forged"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


@dataclass(frozen=True, slots=True)
class InvitationCheck:
    """What a scanned invitation came to. Never holds the QR text."""

    accepted: bool
    reason: InvitationReason | None
    message_key: str  # kiosk.domain.messages.INVITATION_MESSAGES
    detail: dict[str, str] = field(default_factory=dict)  # the message's parameters
    invitation_id: int | None = None
    valid_until: datetime | None = None
    whom: str = INVITED_GUEST  # the masked name when central said, else "invited guest"
    host: str | None = None
    online: bool = False  # central answered the lookup
    uses_left: int | None = None


class InvitationRefused(Exception):
    """An invitation was refused at check-in; `check` says why."""

    def __init__(self, check: InvitationCheck) -> None:
        super().__init__(f"invitation refused: {check.reason}")
        self.check = check


class CannotSignHere(Exception):
    """The kiosk cannot accept an invitation offline (no signing key, or no facility to sign)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _refused(reason: InvitationReason, detail: dict[str, str] | None = None,
             invitation_id: int | None = None, online: bool = False) -> InvitationCheck:
    return InvitationCheck(False, reason, f"invitation.refused.{reason.value}", detail or {},
                           invitation_id, online=online)


class Invitations:
    def __init__(self, store: Store, *, zone: ZoneInfo, signer: KioskKeyFile | None = None,
                 lookup: Lookup | None = None, clock: Clock = utc_now,
                 skew: timedelta = passes.DEFAULT_SKEW, facilities: frozenset[str] = frozenset({"lobby"}),
                 valid_for: timedelta = timedelta(hours=4), entries_per_person: int = 2) -> None:
        self.store = store
        self.zone = zone
        self.signer = signer  # None: offline acceptance is off (the desk says "unreachable")
        self.lookup = lookup  # None: never asks central (offline answers only)
        self.clock = clock
        self.skew = skew
        self.facilities = facilities
        self.valid_for = valid_for
        self.entries_per_person = entries_per_person
        self._lock = threading.Lock()

    def _when(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    # -- checking ------------------------------------------------------------------------------
    def _trust(self) -> tuple[passes.TrustedKeys, passes.RevocationList, passes.FacilityTable]:
        with self.store.read() as tx:
            keys_doc, revs_doc = tx.pass_keys(), tx.revocations()
        keys, table = passes.TrustedKeys([]), passes.DEFAULT_FACILITIES
        try:
            if keys_doc is not None:
                keys = passes.TrustedKeys.from_published(keys_doc.get("keys", []))
                if keys_doc.get("facilities"):
                    table = passes.FacilityTable.from_list(keys_doc["facilities"])
        except passes.BadTrustData as exc:
            log.error("invitations: the synced keys cannot be read (%s); every code reads as forged", exc)
            keys, table = passes.TrustedKeys([]), passes.DEFAULT_FACILITIES
        try:
            revocations = passes.RevocationList.from_dict(revs_doc)
        except passes.BadTrustData as exc:
            log.error("invitations: the synced revocation list cannot be read (%s)", exc)
            revocations = passes.RevocationList()
        return keys, revocations, table

    def _verify(self, qr_text: str, now: datetime) -> passes.InvitationClaims | InvitationCheck:
        """The claims of a genuine, current, unrevoked invitation, or the refusal."""
        keys, revocations, _table = self._trust()
        try:
            claims = passes.decode_invitation(qr_text, keys)
        except passes.BadFormat:  # WrongKind (a pass) included: not an invitation at all
            return _refused(InvitationReason.GARBAGE)
        except (passes.UnknownKey, passes.BadSignature):
            return _refused(InvitationReason.FORGED)
        except passes.PassError:  # nothing else is raised today; refuse rather than crash
            return _refused(InvitationReason.GARBAGE)
        iid = claims.invitation_id
        try:
            claims.validate(now, self.skew)
        except passes.NotYetValid:
            return _refused(InvitationReason.NOT_YET_VALID,
                            {"valid_from": self._when(claims.valid_from)}, iid)
        except passes.Expired:
            return _refused(InvitationReason.EXPIRED, {"valid_until": self._when(claims.valid_until)},
                            iid)
        if revocations.is_revoked(claims):
            return _refused(InvitationReason.REVOKED, invitation_id=iid)
        return claims

    def _uses_left(self, invitation_id: int) -> int:
        with self.store.read() as tx:
            usage = tx.invitation_usage(invitation_id)
        allowed = DEFAULT_ALLOWED if usage.allowed is None else usage.allowed
        return allowed - usage.uses

    def check(self, qr_text: str, now: datetime | None = None) -> InvitationCheck:
        """Is this scanned text an invitation a visitor may check in with now, and whose?"""
        now = now or self.clock()
        verified = self._verify(qr_text, now)
        if isinstance(verified, InvitationCheck):
            return verified
        claims = verified
        online = self._ask_central(qr_text, claims, now)
        if isinstance(online, InvitationCheck):
            return online
        left = self._uses_left(claims.invitation_id)
        if left <= 0:
            return _refused(InvitationReason.USED_UP, invitation_id=claims.invitation_id,
                            online=online is not None)
        detail = {"valid_until": self._when(claims.valid_until)}
        if online is None:
            return InvitationCheck(True, None, "invitation.ok.guest", detail, claims.invitation_id,
                                   claims.valid_until, uses_left=left)
        return InvitationCheck(True, None, "invitation.ok", {**detail, "whom": online.visitor_name_masked},
                               claims.invitation_id, claims.valid_until, whom=online.visitor_name_masked,
                               host=online.host, online=True, uses_left=left)

    def _ask_central(self, qr_text: str, claims: passes.InvitationClaims,
                     now: datetime) -> wire.Invitation | InvitationCheck | None:
        """Central's view (its count and allowance are stored for offline use), its refusal,
        or None when it cannot be asked."""
        if self.lookup is None:
            return None
        iid = claims.invitation_id
        try:
            info = self.lookup(qr_text)
        except errors.NotAuthorised:
            return None
        except errors.CentralRejected as exc:
            # 422: central does not take the code as its own (e.g. signed by a kiosk's key); 404:
            # no such invitation there. Either way it is not a genuine invitation.
            log.warning("invitations: central does not know invitation %d (%s)", iid, exc.status)
            return _refused(InvitationReason.FORGED, invitation_id=iid, online=True)
        except errors.CentralError as exc:
            log.info("invitations: central not asked about invitation %d (%s); checked offline", iid,
                     type(exc).__name__)
            return None
        if info.invitation_id != iid:
            log.error("invitations: central answered about another invitation; checked offline")
            return None
        with self.store.write() as tx:
            used = max(0, info.entries_allowed - info.entries_left)
            tx.note_invitation_at_central(iid, info.entries_allowed, used, claims.valid_until)
        if info.usable_now:
            return info
        # Not usable now, though the code is genuine and (to us) current: central says why.
        if info.entries_left <= 0:
            return _refused(InvitationReason.USED_UP, invitation_id=iid, online=True)
        if now < info.valid_from:
            return _refused(InvitationReason.NOT_YET_VALID, {"valid_from": self._when(info.valid_from)},
                            iid, online=True)
        if now > info.valid_until:
            return _refused(InvitationReason.EXPIRED, {"valid_until": self._when(info.valid_until)},
                            iid, online=True)
        return _refused(InvitationReason.REVOKED, invitation_id=iid, online=True)

    def verify_offline(self, qr_text: str, now: datetime | None = None) -> InvitationCheck | None:
        """The refusal of an invitation by the offline checks alone, or None if they pass."""
        now = now or self.clock()
        verified = self._verify(qr_text, now)
        if isinstance(verified, InvitationCheck):
            return verified
        if self._uses_left(verified.invitation_id) <= 0:
            return _refused(InvitationReason.USED_UP, invitation_id=verified.invitation_id)
        return None

    # -- check-in ------------------------------------------------------------------------------
    def accept_offline(self, client_id: str, qr_text: str, party_size: int,
                       now: datetime | None = None) -> str:
        """Approve queued visit `client_id` by its invitation while central is unreachable;
        returns the kiosk-signed pass text. InvitationRefused if the invitation does not allow
        it (any more); CannotSignHere if this kiosk cannot sign."""
        if self.signer is None:
            raise CannotSignHere("this kiosk has no signing key for visitor passes")
        now = now or self.clock()
        with self._lock:
            verified = self._verify(qr_text, now)
            if isinstance(verified, InvitationCheck):
                self._drop(client_id, verified, now)
                raise InvitationRefused(verified)
            claims = verified
            text, pass_claims = self._sign(claims, party_size, now)
            used_up: InvitationCheck | None = None
            with self.store.write() as tx:
                status = tx.visit_status(client_id)
                if status not in APPROVABLE:  # central answered meanwhile
                    raise CannotSignHere("the visit was decided meanwhile")
                usage = tx.invitation_usage(claims.invitation_id)
                allowed = DEFAULT_ALLOWED if usage.allowed is None else usage.allowed
                if usage.uses >= allowed:
                    # Rejected in this transaction (raising inside it would roll that back).
                    used_up = _refused(InvitationReason.USED_UP, invitation_id=claims.invitation_id)
                    if status == "queued":  # see _drop
                        tx.reject_visit(client_id, f"invitation {used_up.reason}", now)
                else:
                    tx.count_invitation_use(claims.invitation_id, claims.valid_until)
                    tx.approve_visit_here(client_id, BY_INVITATION, now, pass_claims.pass_id, text,
                                          pass_claims.valid_until)
            if used_up is not None:
                raise InvitationRefused(used_up)
        log.info("invitations: invitation %d accepted here offline (use %d of %d)", claims.invitation_id,
                 usage.uses + 1, allowed)
        return text

    def _drop(self, client_id: str, refused: InvitationCheck, now: datetime) -> None:
        """A refused check-in never reaches central later as an ordinary registration: the
        visitor was told no, and the personal data goes now."""
        with self.store.write() as tx:
            if tx.visit_status(client_id) == "queued":
                tx.reject_visit(client_id, f"invitation {refused.reason}", now)

    def note_used(self, qr_text: str, now: datetime | None = None) -> None:
        """Central approved a check-in with this invitation: count the use here too, so an
        offline check-in later knows it (the larger count wins when central is asked again)."""
        keys, _revocations, _table = self._trust()
        try:
            claims = passes.decode_invitation(qr_text, keys)
        except passes.PassError:
            return  # central took it, so this only happens when our keys are out of date
        with self.store.write() as tx:
            tx.count_invitation_use(claims.invitation_id, claims.valid_until)

    def _sign(self, claims: passes.InvitationClaims, party_size: int,
              now: datetime) -> tuple[str, passes.PassClaims]:
        # As central issues a pass for an invitation: until the invitation ends, at most
        # `valid_for` (never under a minute), two entries a person.
        assert self.signer is not None
        key = self.signer.load_or_create()
        _keys, _revocations, table = self._trust()
        until = max(min(claims.valid_until, now + self.valid_for), now + timedelta(minutes=1))
        pass_claims = passes.PassClaims(
            pass_id=secrets.randbelow(U32_MAX) + 1, visit_id=0, valid_from=now, valid_until=until,
            facilities=self.facilities,
            entries_allowed=min(self.entries_per_person * max(1, party_size), passes.codec.MAX_ENTRIES))
        try:
            text = passes.encode_pass(pass_claims, key, table)
        except passes.InvalidClaims as exc:
            raise CannotSignHere(f"cannot sign a pass here: {exc}") from None
        mine = passes.TrustedKeys([passes.PublishedKey(key.key_id, key.public_key, None)])
        return text, passes.decode_pass(text, mine, table)  # the window as the wire rounds it

    def upkeep(self, now: datetime | None = None) -> int:
        """Forget the counts of invitations long expired (the visitor desk's upkeep calls it)."""
        with self.store.write() as tx:
            return tx.purge_invitation_uses((now or self.clock()) - KEEP_EXPIRED)
