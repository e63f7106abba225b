"""Visitor registrations: create (idempotent per kiosk and client id), approve with a signed
pass, deny with a reason, expire when nobody decides, revoke, and the console's queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lobby_core import identity, passes
from lobby_core.passes import InvalidClaims, PassClaims

from ..context import Central
from ..errors import Conflict, Invalid, NotFound
from ..models import BlocklistEntry, Invitation, Kiosk, User, Visit, utcnow
from ..signing import FACILITIES, new_code_id
from . import invitations, revocations, updates

MAX_PARTY = 20
FINAL = ("approved", "denied", "expired", "revoked")


@dataclass(frozen=True)
class VisitRequest:
    client_id: str
    id_type: str
    id_number: str
    name: str
    mobile: str
    host: str
    purpose: str
    party_size: int = 1
    invitation: str | None = None  # the scanned invitation QR text


@dataclass(frozen=True)
class PassView:
    pass_id: int
    text: str
    valid_from: datetime
    valid_until: datetime
    facilities: tuple[str, ...]
    entries: int | None  # None = unlimited


@dataclass(frozen=True)
class VisitView:
    """What a kiosk may know about its own visit (no ID number, no mobile)."""

    visit_id: int
    client_id: str
    status: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    deny_reason: str | None
    pass_: PassView | None = field(default=None)


@dataclass(frozen=True)
class VisitRow:
    """What the console shows: personal fields as stored (None once purged), ID masked."""

    id: int
    kiosk: str
    status: str
    name: str | None
    id_type: str
    id_masked: str
    mobile: str | None
    host: str
    purpose: str
    party_size: int
    blocklisted: bool
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    deny_reason: str | None
    pass_id: int | None
    pass_valid_until: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    purged: bool


def id_hash(central: Central, id_type: str, normalised: str) -> str:
    return central.secrets.keyed_hash("id:" + id_type, normalised)


def _view(v: Visit) -> VisitView:
    p = None
    if v.pass_id and v.pass_text and v.pass_valid_from and v.pass_valid_until:
        p = PassView(
            pass_id=v.pass_id,
            text=v.pass_text,
            valid_from=v.pass_valid_from,
            valid_until=v.pass_valid_until,
            facilities=tuple(f for f in (v.pass_facilities or "").split("|") if f),
            entries=v.pass_entries or 0,
        )
    return VisitView(
        visit_id=v.id,
        client_id=v.client_id,
        status=v.status,
        created_at=v.created_at,
        expires_at=v.expires_at,
        decided_at=v.decided_at,
        deny_reason=v.deny_reason,
        pass_=p,
    )


def decision_payload(v: Visit) -> dict[str, object]:
    """The long-poll's "decision" update body; the same shape as GET /visits/{id}."""
    view = _view(v)
    return {
        "visit_id": view.visit_id,
        "client_id": view.client_id,
        "status": view.status,
        "decided_at": view.decided_at.isoformat() if view.decided_at else None,
        "deny_reason": view.deny_reason,
        "pass": None
        if view.pass_ is None
        else {
            "pass_id": view.pass_.pass_id,
            "text": view.pass_.text,
            "valid_from": view.pass_.valid_from.isoformat(),
            "valid_until": view.pass_.valid_until.isoformat(),
            "facilities": list(view.pass_.facilities),
            "entries": view.pass_.entries,
        },
    }


def _digest(central: Central, req: VisitRequest, number: str) -> str:
    # Keyed, because the body holds the ID number: a plain hash of it could be brute-forced.
    canon = json.dumps(
        [
            req.id_type,
            number,
            req.name,
            req.mobile,
            req.host,
            req.purpose,
            req.party_size,
            req.invitation,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return central.secrets.keyed_hash("visit-request", canon)


def _issue_pass(
    central: Central,
    s: Session,
    v: Visit,
    now: datetime,
    valid_for: timedelta,
    facilities: tuple[str, ...],
    entries: int | None,
) -> None:
    while True:
        pass_id = new_code_id()
        if s.execute(select(Visit.id).where(Visit.pass_id == pass_id)).first() is None:
            break
    try:
        text = central.signer.sign_pass(
            s,
            PassClaims(
                pass_id=pass_id,
                visit_id=v.id,
                valid_from=now,
                valid_until=now + valid_for,
                facilities=frozenset(facilities),
                entries_allowed=entries,
            ),
            now,
        )
    except InvalidClaims as exc:
        raise Invalid(f"cannot issue this pass: {exc}", code="bad_pass") from None
    # Store what the pass says (its window is rounded to minutes on the wire).
    claims = passes.decode_pass(text, central.signer.verifier(s, now), FACILITIES)
    v.pass_text = text
    v.pass_id = pass_id
    v.pass_valid_from = claims.valid_from
    v.pass_valid_until = claims.valid_until
    v.pass_facilities = "|".join(sorted(claims.facilities))
    v.pass_entries = claims.entries_allowed
    v.status = "approved"
    v.decided_at = now
    v.ends_at = claims.valid_until


def create_visit(central: Central, kiosk_id: int, req: VisitRequest) -> tuple[VisitView, bool]:
    """Register a visitor; returns (visit, created). A repeat with the same client id and the same
    details returns the first visit; the same client id with different details is a Conflict."""
    try:
        number = identity.normalise(req.id_type, req.id_number)
    except identity.IdNumberError as exc:
        raise Invalid(str(exc), code="bad_id_number") from None
    if not 1 <= req.party_size <= MAX_PARTY:
        raise Invalid(f"party size must be 1 to {MAX_PARTY}")
    digest = _digest(central, req, number)
    hashed = id_hash(central, req.id_type, number)
    now = utcnow()
    for _attempt in range(2):
        try:
            with central.db.writing() as s:
                old = s.execute(
                    select(Visit).where(Visit.kiosk_id == kiosk_id, Visit.client_id == req.client_id)
                ).scalar_one_or_none()
                if old is not None:
                    if old.request_digest != digest:
                        raise Conflict(
                            "this client id was used for a different visit", code="client_id_reused"
                        )
                    return _view(old), False
                blocked = (
                    s.execute(
                        select(BlocklistEntry.id)
                        .where(BlocklistEntry.id_hash == hashed, BlocklistEntry.removed_at.is_(None))
                        .limit(1)
                    ).first()
                    is not None
                )
                invitation = _usable_invitation(central, s, req.invitation, now) if req.invitation else None
                v = Visit(
                    kiosk_id=kiosk_id,
                    client_id=req.client_id,
                    request_digest=digest,
                    id_type=req.id_type,
                    id_number_enc=central.secrets.encrypt(number.encode()),
                    id_hash=hashed,
                    id_masked=identity.mask(number),
                    name=req.name,
                    mobile=req.mobile,
                    host=req.host,
                    purpose=req.purpose,
                    party_size=req.party_size,
                    invitation_id=invitation.id if invitation else None,
                    blocklisted=blocked,
                    status="pending",
                    created_at=now,
                    expires_at=now + central.settings.pending_ttl,
                )
                s.add(v)
                s.flush()
                # An invited visitor gets a pass at once, unless the blocklist says a person should look.
                if invitation is not None and not blocked:
                    invitation.used_count += 1
                    valid_until = min(invitation.valid_until, now + central.settings.pass_validity)
                    _issue_pass(
                        central,
                        s,
                        v,
                        now,
                        max(valid_until - now, timedelta(minutes=1)),
                        central.settings.visitor_facilities,
                        2 * req.party_size,
                    )
                    updates.push(central, s, kiosk_id, "decision", decision_payload(v))
                return _view(v), True
        except IntegrityError:
            continue  # a concurrent identical request won the insert; read it back
    raise Conflict("concurrent requests with this client id", code="client_id_reused")


def _usable_invitation(central: Central, s: Session, qr_text: str, now: datetime) -> Invitation:
    # The id comes only from a QR that verifies: a bare number could be guessed.
    claims = invitations.verify_qr(central, s, qr_text, now)
    inv = s.execute(
        select(Invitation).where(Invitation.id == claims.invitation_id).with_for_update()
    ).scalar_one_or_none()
    if inv is None or inv.revoked_at is not None:
        raise Invalid("invitation not found or withdrawn", code="bad_invitation")
    if not inv.valid_from <= now <= inv.valid_until:
        raise Invalid("invitation is not valid at this time", code="invitation_out_of_window")
    if inv.used_count >= inv.entries_allowed:
        raise Invalid("invitation has been used already", code="invitation_used")
    return inv


def get_visit(central: Central, kiosk_id: int, visit_id: int) -> VisitView:
    """A kiosk's own visit; another kiosk's visit is NotFound, exactly like a missing one."""
    with central.db.reading() as s:
        v = s.get(Visit, visit_id)
        if v is None or v.kiosk_id != kiosk_id:
            raise NotFound("no such visit")
        if v.status == "pending" and v.expires_at <= utcnow():
            pass  # the housekeeping job expires it and tells the kiosk; report it as such now
        else:
            return _view(v)
    expire_pending(central)
    with central.db.reading() as s:
        v = s.get(Visit, visit_id)
        assert v is not None
        return _view(v)


def _locked_pending(s: Session, visit_id: int, now: datetime) -> Visit:
    v = s.execute(select(Visit).where(Visit.id == visit_id).with_for_update()).scalar_one_or_none()
    if v is None:
        raise NotFound("no such visit")
    if v.status != "pending":
        raise Conflict(f"visit is {v.status} already", code=f"visit_{v.status}")
    if v.expires_at <= now:
        raise Conflict("visit expired before a decision", code="visit_expired")
    return v


def approve_visit(
    central: Central,
    visit_id: int,
    user: User | None,
    *,
    valid_for: timedelta | None = None,
    facilities: tuple[str, ...] | None = None,
    entries: int | None = None,
) -> VisitView:
    """Approve a pending visit: sign a pass and send it to the waiting kiosk."""
    now = utcnow()
    with central.db.writing() as s:
        v = _locked_pending(s, visit_id, now)
        _issue_pass(
            central,
            s,
            v,
            now,
            valid_for or central.settings.pass_validity,
            facilities or central.settings.visitor_facilities,
            entries if entries is not None else 2 * v.party_size,
        )
        v.decided_by = user.id if user is not None else None
        updates.push(central, s, v.kiosk_id, "decision", decision_payload(v))
        return _view(v)


def deny_visit(central: Central, visit_id: int, user: User | None, reason: str) -> VisitView:
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise Invalid("a reason of 1 to 200 characters is required")
    now = utcnow()
    with central.db.writing() as s:
        v = _locked_pending(s, visit_id, now)
        v.status, v.decided_at, v.ends_at, v.deny_reason = "denied", now, now, reason
        v.decided_by = user.id if user is not None else None
        updates.push(central, s, v.kiosk_id, "decision", decision_payload(v))
        return _view(v)


def expire_pending(central: Central, now: datetime | None = None) -> int:
    """Mark pending visits past their deadline as expired and tell their kiosks; returns how many."""
    now = now or utcnow()
    with central.db.reading() as s:
        due = list(
            s.execute(
                select(Visit.id).where(Visit.status == "pending", Visit.expires_at <= now).limit(500)
            ).scalars()
        )
    if not due:
        return 0
    done = 0
    with central.db.writing() as s:
        for v in s.execute(
            select(Visit).where(Visit.id.in_(due), Visit.status == "pending").with_for_update()
        ).scalars():
            v.status, v.decided_at, v.ends_at = "expired", now, now
            updates.push(central, s, v.kiosk_id, "decision", decision_payload(v))
            done += 1
    return done


def revoke_pass(central: Central, visit_id: int, user: User | None, reason: str) -> None:
    """Withdraw an approved visit's pass: every kiosk hears of it and refuses the QR from then on."""
    now = utcnow()
    with central.db.writing() as s:
        v = s.execute(select(Visit).where(Visit.id == visit_id).with_for_update()).scalar_one_or_none()
        if v is None:
            raise NotFound("no such visit")
        if v.status != "approved" or v.pass_id is None or v.pass_valid_until is None:
            raise Conflict("only an approved visit's pass can be revoked", code="not_approved")
        revocations.add(central, s, "pass", v.pass_id, v.pass_valid_until, reason, visit_id=v.id)
        v.status, v.ends_at = "revoked", now


PASSAGE_SKEW = timedelta(minutes=5)


def record_passage(s: Session, visit_id: int, pass_id: int | None, kind: str, at: datetime) -> None:
    """Called by event ingest: a visitor entered or left through a turnstile.

    Only a passage made with the visit's own pass counts, and only at a time the pass could
    have been used: a kiosk with a wrong clock (or a forged event) must not check a visitor
    out early, which would drop them from the roll call and start the retention clock.
    """
    v = s.get(Visit, visit_id)
    if v is None or v.status not in ("approved", "revoked"):
        return
    if v.pass_id is None or pass_id != v.pass_id:
        return
    now = utcnow()
    if at > now + PASSAGE_SKEW or (v.decided_at is not None and at < v.decided_at - PASSAGE_SKEW):
        return
    at = min(at, now)
    if kind == "visitor_entry" and v.checked_in_at is None:
        v.checked_in_at = at
    elif kind == "visitor_exit":
        v.checked_out_at = at
        if v.ends_at is None or at < v.ends_at:
            v.ends_at = at


# -- console queries ------------------------------------------------------------------------


def _rows(s: Session, stmt: object) -> list[VisitRow]:
    out = []
    for v, kiosk_name, username in s.execute(stmt):  # type: ignore[call-overload]
        out.append(
            VisitRow(
                id=v.id,
                kiosk=kiosk_name,
                status=v.status,
                name=v.name,
                id_type=v.id_type,
                id_masked=v.id_masked,
                mobile=v.mobile,
                host=v.host,
                purpose=v.purpose,
                party_size=v.party_size,
                blocklisted=v.blocklisted,
                created_at=v.created_at,
                expires_at=v.expires_at,
                decided_at=v.decided_at,
                decided_by=username,
                deny_reason=v.deny_reason,
                pass_id=v.pass_id,
                pass_valid_until=v.pass_valid_until,
                checked_in_at=v.checked_in_at,
                checked_out_at=v.checked_out_at,
                purged=v.purged_at is not None,
            )
        )
    return out


def _base():  # type: ignore[no-untyped-def]
    return (
        select(Visit, Kiosk.name, User.username)
        .join(Kiosk, Kiosk.id == Visit.kiosk_id)
        .outerjoin(User, User.id == Visit.decided_by)
    )


def list_pending(central: Central) -> list[VisitRow]:
    """Visits waiting for a receptionist, oldest first."""
    now = utcnow()
    with central.db.reading() as s:
        return _rows(
            s, _base().where(Visit.status == "pending", Visit.expires_at > now).order_by(Visit.created_at)
        )


def on_site(central: Central) -> list[VisitRow]:
    """Roll call: visitors who entered and have not left while their pass is valid."""
    now = utcnow()
    with central.db.reading() as s:
        return _rows(
            s,
            _base()
            .where(
                Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None), Visit.pass_valid_until > now
            )
            .order_by(Visit.checked_in_at),
        )


def visit_log(
    central: Central,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    text: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[VisitRow], int]:
    """Visits newest first with filters; returns (page, total matching)."""
    conds = []
    if since is not None:
        conds.append(Visit.created_at >= since)
    if until is not None:
        conds.append(Visit.created_at < until)
    if status:
        conds.append(Visit.status == status)
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(or_(Visit.name.like(like, escape="\\"), Visit.host.like(like, escape="\\")))
    with central.db.reading() as s:
        total = s.execute(select(func.count()).select_from(Visit).where(*conds)).scalar_one()
        page = _rows(
            s,
            _base()
            .where(*conds)
            .order_by(Visit.created_at.desc(), Visit.id.desc())
            .limit(max(1, min(limit, 10_000)))
            .offset(max(0, offset)),
        )
    return page, int(total)
