"""Invitations: a receptionist invites a named visitor for a host and a time window; the signed
QR text (lobby_core.passes invitation: id + window, no personal data) goes to the visitor, who
scans it at the kiosk and gets a pass without waiting.

Kiosks always hand over the QR text, never a bare invitation number: the number alone would
let any kiosk token enumerate invitations and turn them into passes. `verify_qr` checks the
signature, window and revocations and is the only way from a kiosk to an invitation id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lobby_core import passes
from lobby_core.passes import InvalidClaims, InvitationClaims

from ..context import Central
from ..errors import Invalid, NotFound
from ..models import Invitation, Revocation, User, utcnow
from . import id_rules, revocations

MAX_WINDOW = timedelta(days=31)


@dataclass(frozen=True)
class InvitationView:
    id: int
    visitor_name: str
    host: str
    valid_from: datetime
    valid_until: datetime
    entries_allowed: int
    used_count: int
    revoked: bool
    qr_text: str

    @property
    def usable(self) -> bool:
        return not self.revoked and self.used_count < self.entries_allowed

    def usable_at(self, now: datetime) -> bool:
        return self.usable and self.valid_from <= now <= self.valid_until


def _view(i: Invitation) -> InvitationView:
    return InvitationView(
        id=i.id,
        visitor_name=i.visitor_name,
        host=i.host,
        valid_from=i.valid_from,
        valid_until=i.valid_until,
        entries_allowed=i.entries_allowed,
        used_count=i.used_count,
        revoked=i.revoked_at is not None,
        qr_text=i.qr_text,
    )


def create(
    central: Central,
    user: User | None,
    visitor_name: str,
    host: str,
    valid_from: datetime,
    valid_until: datetime,
    entries_allowed: int = 1,
) -> InvitationView:
    """A new invitation with its signed QR text (`qr_text`) for the console to show or send."""
    visitor_name = id_rules.text(visitor_name, "visitor name")
    host = id_rules.text(host, "host")
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise Invalid("times must carry a time zone")
    if not valid_from < valid_until or valid_until - valid_from > MAX_WINDOW:
        raise Invalid("the window must end after it starts and last at most 31 days")
    now = utcnow()
    if valid_until <= now:
        raise Invalid("the window is over already")
    if not 1 <= entries_allowed <= 50:
        raise Invalid("entries allowed must be 1 to 50")
    with central.db.writing() as s:
        inv = Invitation(
            visitor_name=visitor_name,
            host=host,
            valid_from=valid_from,
            valid_until=valid_until,
            entries_allowed=entries_allowed,
            qr_text="",
            created_by=user.id if user else None,
            created_at=now,
        )
        s.add(inv)
        s.flush()  # the row id is the invitation id in the QR
        try:
            inv.qr_text = central.signer.sign_invitation(
                s, InvitationClaims(invitation_id=inv.id, valid_from=valid_from, valid_until=valid_until), now
            )
        except InvalidClaims as exc:
            raise Invalid(f"cannot issue this invitation: {exc}") from None
        return _view(inv)


class _StoredRevocations:
    """passes.RevocationCheck over the revocations table (the list kiosks get, unexpired or not)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def check(self, claims: InvitationClaims) -> None:
        ids = self._s.execute(
            select(Revocation.ref_id).where(
                Revocation.kind == "invitation", Revocation.ref_id == claims.invitation_id
            )
        ).scalars()
        passes.RevocationList(invitation_ids=ids).check(claims)


def verify_qr(
    central: Central, s: Session, qr_text: str, now: datetime, *, current: bool = True
) -> InvitationClaims:
    """The claims of a genuine invitation QR signed by this service; with `current` also within
    its window and not withdrawn. Invalid with a specific code otherwise. `s` must be a write
    session: the key ring is read under the signer's lock."""
    verifier = central.signer.verifier(s, now)
    try:
        if not current:
            return passes.decode_invitation(qr_text, verifier)
        return passes.check_invitation(
            qr_text, verifier, now=now, revocations=_StoredRevocations(s), skew=timedelta(0)
        )
    except passes.Revoked:
        raise Invalid("this invitation was withdrawn by reception", code="invitation_revoked") from None
    except (passes.NotYetValid, passes.Expired):
        raise Invalid("invitation is not valid at this time", code="invitation_out_of_window") from None
    except passes.PassError:
        # Forged, damaged, another kind of code, or signed by a key we no longer trust.
        raise Invalid("not a genuine invitation code", code="bad_invitation") from None


def take_kiosk_use(central: Central, s: Session, qr_text: str, now: datetime) -> Invitation:
    """Count a use a kiosk already granted (offline, or with a receptionist's PIN): the visitor
    holds the kiosk's pass, so the use is counted whatever the invitation allows now (a count
    past `entries_allowed` shows reception an overuse). The code must still be genuine and ours.
    `s` must be a write session."""
    claims = verify_qr(central, s, qr_text, now, current=False)
    inv = s.execute(
        select(Invitation).where(Invitation.id == claims.invitation_id).with_for_update()
    ).scalar_one_or_none()
    if inv is None:
        raise Invalid("invitation not found", code="bad_invitation")
    inv.used_count += 1
    return inv


def lookup_qr(central: Central, qr_text: str) -> InvitationView:
    """An invitation by its scanned QR text (genuine, though perhaps expired or withdrawn: the
    view says whether it is usable)."""
    now = utcnow()
    with central.db.writing() as s:
        claims = verify_qr(central, s, qr_text, now, current=False)
        inv = s.get(Invitation, claims.invitation_id)
        if inv is None:
            raise NotFound("no such invitation")
        return _view(inv)


def lookup(central: Central, invitation_id: int) -> InvitationView:
    """By number: for the console only (kiosks must show the QR, see lookup_qr)."""
    with central.db.reading() as s:
        inv = s.get(Invitation, invitation_id)
        if inv is None:
            raise NotFound("no such invitation")
        return _view(inv)


def revoke(central: Central, invitation_id: int, reason: str = "withdrawn by reception") -> None:
    """Withdraw an invitation; kiosks refuse its QR from the next long-poll on."""
    with central.db.writing() as s:
        inv = s.get(Invitation, invitation_id)
        if inv is None:
            raise NotFound("no such invitation")
        if inv.revoked_at is None:
            inv.revoked_at = utcnow()
            revocations.add(central, s, "invitation", inv.id, inv.valid_until, reason)


def listing(central: Central, include_past: bool = False, limit: int = 200) -> list[InvitationView]:
    with central.db.reading() as s:
        stmt = select(Invitation)
        if not include_past:
            stmt = stmt.where(Invitation.valid_until > utcnow(), Invitation.revoked_at.is_(None))
        rows = s.execute(
            stmt.order_by(Invitation.valid_from.desc()).limit(max(1, min(limit, 1000)))
        ).scalars()
        return [_view(i) for i in rows]
