"""Visitor registrations: create (idempotent per kiosk and client id), approve with a signed
pass, deny with a reason, expire when nobody decides, revoke, take a kiosk's PIN approval,
check out (at an exit gate, by reception, or closed by the nightly job: 签离); and the reads
of visits that the console and the CLI show (pending list, roll call, the visit log and its
export)."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from lobby_core import passes
from lobby_core.id_documents import IdDocument
from lobby_core.masking import mask_id_number
from lobby_core.passes import InvalidClaims, PassClaims, PassError

from ..context import Central
from ..errors import Conflict, Invalid, NotFound
from ..models import BlocklistEntry, Invitation, Kiosk, User, Visit, utcnow
from ..signing import FACILITIES, new_code_id
from . import id_rules, invitations, kiosks, revocations, updates

log = logging.getLogger(__name__)
MAX_PARTY = 20
FINAL = ("approved", "denied", "expired", "revoked")


@dataclass(frozen=True)
class KioskApproval:
    """A visit approved at its kiosk with a receptionist's PIN, and the pass the kiosk signed."""

    approved_by: str  # the receptionist's user name
    approved_at: datetime
    pass_text: str


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
    kiosk_approval: KioskApproval | None = None
    id_country: str | None = None  # a passport's issuing country (ISO 3166 alpha-2 or alpha-3)


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
    id_country: str | None
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
    kiosk_approved_at: datetime | None  # approved at `kiosk` with a PIN, by kiosk_approved_by
    kiosk_approved_by: str | None
    checkout_kind: str | None  # CHECKOUT_GATE, CHECKOUT_DESK, CHECKOUT_AUTO; None while open
    checked_out_by: str | None  # the receptionist, for a desk check-out
    purged: bool


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


def _digest(central: Central, req: VisitRequest) -> str:
    """Keyed, because the body holds the ID number: a plain hash of it could be brute-forced.
    `req` is in its stored form, so a retry typed differently (full-width digits) is the same."""
    fields: list[object] = [
        req.id_type, req.id_number, req.name, req.mobile, req.host, req.purpose, req.party_size,
        req.invitation,
    ]  # fmt: skip
    if req.id_country is not None:  # appended only when set: older visits' digests stay valid
        fields.append(req.id_country)
    canon = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
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


def clean_request(req: VisitRequest) -> VisitRequest:
    """`req` with every field in its stored form (the shared rules for ID numbers, mobiles and
    typed text), or Invalid carrying the rule's message key."""
    doc = id_rules.document(req.id_type, req.id_number, req.id_country)
    if not 1 <= req.party_size <= MAX_PARTY:
        raise Invalid(f"party size must be 1 to {MAX_PARTY}")
    return dataclasses.replace(
        req,
        id_number=doc.number,
        id_country=doc.country,
        name=id_rules.text(req.name, "name"),
        mobile=id_rules.mobile(req.mobile),
        host=id_rules.text(req.host, "host"),
        purpose=id_rules.text(req.purpose, "purpose"),
    )


def create_visit(central: Central, kiosk_id: int, req: VisitRequest) -> tuple[VisitView, bool]:
    """Register a visitor; returns (visit, created). A repeat with the same client id and the same
    details returns the first visit; the same client id with different details is a Conflict.

    The blocklist is matched on the number's canonical key, whatever document type is claimed,
    and an invitation never lets a blocklisted visitor in without a receptionist looking."""
    req = clean_request(req)
    doc = IdDocument(req.id_type, req.id_number, req.id_country)
    digest = _digest(central, req)
    hashed = id_rules.canonical_hash(central, doc)
    matches = id_rules.match_hashes(central, doc)
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
                    if req.kiosk_approval is not None:
                        _take_kiosk_approval(central, s, old, req.kiosk_approval, now)
                    return _view(old), False
                blocked = (
                    s.execute(
                        select(BlocklistEntry.id)
                        .where(BlocklistEntry.id_hash.in_(matches), BlocklistEntry.removed_at.is_(None))
                        .limit(1)
                    ).first()
                    is not None
                )
                if req.invitation and req.kiosk_approval is not None:
                    # The kiosk admitted by it already (central was unreachable): count, never refuse.
                    invitation = invitations.take_kiosk_use(central, s, req.invitation, now)
                elif req.invitation:
                    invitation = _usable_invitation(central, s, req.invitation, now)
                else:
                    invitation = None
                v = Visit(
                    kiosk_id=kiosk_id,
                    client_id=req.client_id,
                    request_digest=digest,
                    id_type=req.id_type,
                    id_country=req.id_country,
                    id_number_enc=central.secrets.encrypt(req.id_number.encode()),
                    id_hash=hashed,
                    id_masked=mask_id_number(req.id_number),
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
                if invitation is not None and not blocked and req.kiosk_approval is None:
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
                elif req.kiosk_approval is not None:
                    _take_kiosk_approval(central, s, v, req.kiosk_approval, now)
                return _view(v), True
        except IntegrityError:
            continue  # a concurrent identical request won the insert; read it back
    raise Conflict("concurrent requests with this client id", code="client_id_reused")


def _take_kiosk_approval(central: Central, s: Session, v: Visit, a: KioskApproval, now: datetime) -> None:
    """Record that the visit's kiosk approved it with a receptionist's PIN, with the pass it signed.

    The pass must verify with that kiosk's own key. A visit still pending (or expired because
    nobody decided) becomes approved with it; one reception approved meanwhile keeps central's
    pass; one reception denied stays denied and the kiosk's pass is revoked: a person's "no" wins.
    Blocklisted visits are approved like any other and stay flagged for reception.
    """
    if v.kiosk_approved_at is not None:
        return  # the kiosk resent it (a reply lost on the way)
    try:
        claims = passes.decode_pass(a.pass_text, kiosks.kiosk_verifier(s, v.kiosk_id, now), FACILITIES)
    except PassError as exc:
        raise Invalid(
            f"the kiosk's pass does not verify with its key: {exc.code}", code="bad_kiosk_pass"
        ) from None
    at = min(a.approved_at, now)
    v.kiosk_approved_at, v.kiosk_approved_by = at, a.approved_by[:64]
    user = s.execute(select(User).where(User.username == a.approved_by)).scalar_one_or_none()
    if v.status in ("denied", "revoked"):
        revocations.add(central, s, "pass", claims.pass_id, claims.valid_until,
                        f"visit {v.status} at the desk", visit_id=v.id)
        return
    if v.status != "pending" and v.status != "expired":
        return  # approved by reception meanwhile: central's pass stands beside the kiosk's
    if s.execute(select(Visit.id).where(Visit.pass_id == claims.pass_id)).first() is None:
        v.pass_id = claims.pass_id
    else:  # one chance in 2**32 per pass: the pass still works at gates, only roll call misses it
        log.warning("visits: kiosk pass id of visit %d is taken; stored without it", v.id)
    v.pass_text = a.pass_text
    v.pass_valid_from, v.pass_valid_until = claims.valid_from, claims.valid_until
    v.pass_facilities = "|".join(sorted(claims.facilities))
    v.pass_entries = claims.entries_allowed
    v.status, v.decided_at, v.ends_at = "approved", at, claims.valid_until
    v.decided_by = user.id if user is not None else None
    updates.push(central, s, v.kiosk_id, "decision", decision_payload(v))


def kiosk_approval(central: Central, kiosk_id: int, visit_id: int, a: KioskApproval) -> VisitView:
    """A PIN approval of a visit central has already (the kiosk's wait for reception ran out)."""
    with central.db.writing() as s:
        v = s.execute(select(Visit).where(Visit.id == visit_id).with_for_update()).scalar_one_or_none()
        if v is None or v.kiosk_id != kiosk_id:
            raise NotFound("no such visit")
        _take_kiosk_approval(central, s, v, a, utcnow())
        return _view(v)


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
    """Deny a pending visit with a reason (shown at the kiosk; it may run over several lines)."""
    reason = id_rules.text(reason, "reason", max_length=200, multiline=True)
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
CHECKOUT_GATE = "gate"  # a visitor_exit event: the slip scanned at an exit kiosk
CHECKOUT_DESK = "desk"  # reception, on the console's roll call
CHECKOUT_AUTO = "auto"  # still open at the nightly cut-off (CENTRAL_AUTO_CHECKOUT_AT)


def record_passage(s: Session, visit_id: int, pass_id: int | None, kind: str, at: datetime) -> None:
    """Called by event ingest: a visitor entered or left through a turnstile.

    Only a passage made with the visit's own pass counts, and only at a time the pass could
    have been used: a kiosk with a wrong clock (or a forged event) must not check a visitor
    out early, which would drop them from the roll call and start the retention clock.

    Events may arrive late and out of order (an offline kiosk), so each is placed by its time:
    an exit replaces a nightly auto close (the real time beats the guess) and an earlier gate
    exit, never a receptionist's check-out; an entry after the check-out means the visitor
    came back (a pass has several entries): the visit is open again.
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
    if kind == "visitor_entry":
        if v.checked_in_at is None:
            v.checked_in_at = at
        if v.checked_out_at is not None and at > v.checked_out_at:
            v.checked_out_at = v.checkout_kind = v.checked_out_by = None
            if v.status == "approved":  # a revoked visit keeps the end its revocation gave it
                v.ends_at = v.pass_valid_until
    elif kind == "visitor_exit":
        if v.checkout_kind == CHECKOUT_DESK:
            return
        if v.checkout_kind == CHECKOUT_GATE and v.checked_out_at is not None and v.checked_out_at >= at:
            return
        _check_out(v, at, CHECKOUT_GATE, None)


def _check_out(v: Visit, at: datetime, kind: str, by: str | None) -> None:
    v.checked_out_at, v.checkout_kind, v.checked_out_by = at, kind, by
    if v.ends_at is None or at < v.ends_at:
        v.ends_at = at


def check_out(central: Central, visit_id: int, user: User | None) -> None:
    """Reception checks a visitor out from the roll call: when, and by whom, are recorded.
    NotFound for no such visit; Conflict when the visit is not on site (never entered, or out)."""
    now = utcnow()
    with central.db.writing() as s:
        v = s.execute(select(Visit).where(Visit.id == visit_id).with_for_update()).scalar_one_or_none()
        if v is None:
            raise NotFound("no such visit")
        if v.checked_in_at is None or v.checked_out_at is not None:
            raise Conflict("this visitor is not on site", code="not_on_site")
        _check_out(v, now, CHECKOUT_DESK, user.username[:64] if user is not None else None)


def last_cutoff(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The latest moment at or before `now` when the local clock in `zone` read `at` (UTC)."""
    local_now = now.astimezone(zone)
    cut = datetime.combine(local_now.date(), at, tzinfo=zone)
    if cut > local_now:
        cut = datetime.combine(local_now.date() - timedelta(days=1), at, tzinfo=zone)
    return cut.astimezone(UTC)


def auto_checkout(central: Central, zone: tzinfo, now: datetime | None = None) -> int:
    """Close the visits still open at the last cut-off (central.settings.auto_checkout_at, local
    time in `zone`), checked out at the cut-off itself and marked CHECKOUT_AUTO; returns how many.

    Runs every few seconds (cheap: one indexed-enough query that usually finds nothing), so a
    cut-off missed while the service was down, or an entry that arrives late from an offline
    kiosk, is closed on the next run with the cut-off it belonged to.
    """
    now = now or utcnow()
    cut = last_cutoff(now, central.settings.auto_checkout_at, zone)
    open_ = (Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None), Visit.checked_in_at < cut)
    with central.db.reading() as s:
        due = list(s.execute(select(Visit.id).where(*open_).limit(500)).scalars())
    if not due:
        return 0
    done = 0
    with central.db.writing() as s:
        for v in s.execute(select(Visit).where(Visit.id.in_(due), *open_).with_for_update()).scalars():
            _check_out(v, cut, CHECKOUT_AUTO, None)
            done += 1
    if done:
        log.info("visits: closed %d visit(s) still open at the cut-off", done)
    return done


# -- reading visits: the console's pages and CSV export, the CLI ------------------------------

STATUSES: tuple[str, ...] = ("pending", *FINAL)
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class VisitFilter:
    """Which visits a log shows; None leaves a field out. Times are aware datetimes."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    status: str | None = None
    host: str | None = None  # a substring of the host, wildcards literal
    kiosk_id: int | None = None


def _conditions(f: VisitFilter) -> list[Any]:
    conds: list[Any] = []
    if f.since is not None:
        conds.append(Visit.created_at >= f.since)
    if f.until is not None:
        conds.append(Visit.created_at < f.until)
    if f.status:
        conds.append(Visit.status == f.status)
    if f.host:
        esc = f.host.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(Visit.host.like("%" + esc + "%", escape="\\"))
    if f.kiosk_id:
        conds.append(Visit.kiosk_id == f.kiosk_id)
    return conds


_decider = aliased(User)
# Only the columns a VisitRow shows (not the encrypted ID, the pass text...), in _FIELDS order,
# then purged_at.
_COLUMNS = (
    Visit.id, Kiosk.name, Visit.status, Visit.name, Visit.id_type, Visit.id_country, Visit.id_masked,
    Visit.mobile,
    Visit.host, Visit.purpose, Visit.party_size, Visit.blocklisted, Visit.created_at, Visit.expires_at,
    Visit.decided_at, _decider.username, Visit.deny_reason, Visit.pass_id, Visit.pass_valid_until,
    Visit.checked_in_at, Visit.checked_out_at, Visit.kiosk_approved_at, Visit.kiosk_approved_by,
    Visit.checkout_kind, Visit.checked_out_by, Visit.purged_at,
)  # fmt: skip
_FIELDS = (
    "id", "kiosk", "status", "name", "id_type", "id_country", "id_masked", "mobile", "host", "purpose",
    "party_size", "blocklisted", "created_at", "expires_at", "decided_at", "decided_by",
    "deny_reason", "pass_id", "pass_valid_until", "checked_in_at", "checked_out_at",
    "kiosk_approved_at", "kiosk_approved_by", "checkout_kind", "checked_out_by",
)  # fmt: skip
_NEWEST_FIRST = (Visit.created_at.desc(), Visit.id.desc())


def _select(*conds: Any) -> Select[Any]:
    return (
        select(*_COLUMNS)
        .join(Kiosk, Kiosk.id == Visit.kiosk_id)
        .outerjoin(_decider, _decider.id == Visit.decided_by)
        .where(*conds)
    )


def _row(r: Any) -> VisitRow:
    return VisitRow(**dict(zip(_FIELDS, r[:-1], strict=True)), purged=r[-1] is not None)


def list_pending(central: Central) -> list[VisitRow]:
    """Visits waiting for a receptionist, oldest first."""
    now = utcnow()
    stmt = _select(Visit.status == "pending", Visit.expires_at > now).order_by(Visit.created_at)
    with central.db.reading() as s:
        return [_row(r) for r in s.execute(stmt)]


def on_site(central: Central) -> list[VisitRow]:
    """Roll call: visitors who entered and have not left while their pass is valid."""
    now = utcnow()
    stmt = _select(
        Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None), Visit.pass_valid_until > now
    ).order_by(Visit.checked_in_at)
    with central.db.reading() as s:
        return [_row(r) for r in s.execute(stmt)]


def visit_log(
    central: Central, f: VisitFilter | None = None, *, limit: int = 100, offset: int = 0
) -> tuple[list[VisitRow], int]:
    """One page of the visit log, newest first, and how many visits match `f`.

    The page's ids are found first and its rows fetched after ("deferred join"), so sorting
    and skipping touch two columns, not twenty. A substring filter on the host cannot use an
    index: then one scan finds both the page and the total (a window count) instead of two.
    """
    f = f or VisitFilter()
    conds = _conditions(f)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    ids_q = select(Visit.id).where(*conds).order_by(*_NEWEST_FIRST).limit(limit).offset(offset)
    with central.db.reading() as s:
        total: int | None = None
        if f.host:
            found = s.execute(ids_q.add_columns(func.count().over())).all()
            ids = [r[0] for r in found]
            total = int(found[0][1]) if found else None
        else:
            ids = list(s.execute(ids_q).scalars())
        if total is None:  # no host filter, or a page past the end
            total = int(s.execute(select(func.count()).select_from(Visit).where(*conds)).scalar_one())
        rows = s.execute(_select(Visit.id.in_(ids)).order_by(*_NEWEST_FIRST)).all() if ids else []
    return [_row(r) for r in rows], total


def visit_log_stream(central: Central, f: VisitFilter | None = None, batch: int = 1000) -> Iterator[VisitRow]:
    """Every visit matching `f`, newest first, fetched in batches (for the CSV export)."""
    stmt = _select(*_conditions(f or VisitFilter())).order_by(*_NEWEST_FIRST)
    with central.db.reading() as s:
        for r in s.execute(stmt.execution_options(yield_per=batch)):
            yield _row(r)
