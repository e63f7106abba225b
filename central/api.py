"""The kiosk API under /api/v1: enrollment, members feed, events, visits, the updates long-poll,
heartbeat, signing keys (central's and the kiosks' own), kiosk PIN hashes, revocations,
invitation lookup (by the signed QR text only), the host directory and the blocklist's kiosk
hashes. Every route but /enroll needs the kiosk's bearer token, and a kiosk only ever sees its
own visits and updates."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from lobby_core.masking import mask_name
from lobby_core.passes import key_id_for
from lobby_core.passes.keys import public_key_from_raw

from .context import Central
from .errors import Unauthorized
from .schemas import (
    BlocklistOut,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    EventBatch,
    EventResult,
    Heartbeat,
    HeartbeatAck,
    HostOut,
    HostsOut,
    InvitationLookup,
    InvitationOut,
    KeyOut,
    KeysOut,
    KioskApproval,
    KioskKeyRequest,
    KioskKeyResponse,
    MembersPage,
    PassOut,
    PinItem,
    PinsOut,
    RevocationsOut,
    UpdateItem,
    UpdatesPage,
    VisitCreate,
    VisitOut,
)
from .services import (
    blocklist,
    events,
    hosts,
    invitations,
    kiosks,
    members,
    remote_diag,
    revocations,
    updates,
    users,
    visits,
)
from .services import keys as signing_keys
from .signing import FACILITIES
from .web_auth import get_central

MAX_WAIT_S = 30.0
MAX_CURSOR = 2**62

_bearer = HTTPBearer(auto_error=False, description="the token from POST /api/v1/enroll")
_ERRORS = {
    400: {"model": ErrorBody, "description": "the body is not JSON"},
    401: {"model": ErrorBody, "description": "missing, unknown or revoked kiosk token"},
    413: {"model": ErrorBody, "description": "the body is over 1 MiB"},
    422: {"description": "the request is malformed; `detail` says which field and why"},
}

router = APIRouter(prefix="/api/v1", tags=["kiosk"], responses=_ERRORS)


@dataclass(frozen=True)
class KioskIdentity:
    id: int
    name: str


def current_kiosk(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KioskIdentity:
    if creds is None or creds.scheme.lower() != "bearer" or not 20 <= len(creds.credentials) <= 200:
        raise Unauthorized("a kiosk bearer token is required", code="no_token")
    found = kiosks.identify(get_central(request), creds.credentials)
    if found is None:
        raise Unauthorized("unknown or revoked kiosk token", code="bad_token")
    return KioskIdentity(*found)


Kiosk = Annotated[KioskIdentity, Depends(current_kiosk)]
CentralDep = Annotated[Central, Depends(get_central)]


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    responses={401: {"model": ErrorBody}, 409: {"model": ErrorBody, "description": "public key id taken"}},
)
def enroll(body: EnrollRequest, central: CentralDep) -> EnrollResponse:
    """Trade the one-time code from `central kiosks add NAME` for this kiosk's bearer token; with
    `public_key`, register the kiosk's own pass-signing key too (409 `key_id_taken`: draw another
    key and enroll again, the code is still good)."""
    raw = base64.b64decode(body.public_key) if body.public_key else None
    kiosk_id, name, token = kiosks.enroll(central, body.code, raw)
    return EnrollResponse(kiosk_id=kiosk_id, name=name, token=token)


@router.get("/members", response_model=MembersPage)
def members_feed(
    central: CentralDep,
    kiosk: Kiosk,
    after: Annotated[
        int, Query(ge=0, le=MAX_CURSOR, description="next_cursor of the last page; 0 = all")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=members.MAX_PAGE)] = 1000,
) -> JSONResponse:
    """Members changed after `after`, oldest change first, tombstones (`deleted`) included."""
    page = members.feed(central, after, limit)
    # Built by hand: validating 5,000 items through the response model costs more than the query.
    return JSONResponse(
        {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more, "reset": page.reset}
    )


@router.post("/events", response_model=EventResult)
def post_events(body: EventBatch, central: CentralDep, kiosk: Kiosk) -> EventResult:
    """Store up to 500 access events; resending an event id already stored is a no-op."""
    batch = [events.EventIn(**e.model_dump()) for e in body.events]
    accepted, dups = events.ingest(central, kiosk.id, batch)
    return EventResult(accepted=accepted, duplicates=dups)


def _visit_out(v: visits.VisitView) -> VisitOut:
    p = v.pass_
    return VisitOut(
        visit_id=v.visit_id,
        client_id=v.client_id,
        status=v.status,  # type: ignore[arg-type]
        created_at=v.created_at,
        expires_at=v.expires_at,
        decided_at=v.decided_at,
        deny_reason=v.deny_reason,
        pass_=None
        if p is None
        else PassOut(
            pass_id=p.pass_id,
            text=p.text,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            facilities=list(p.facilities),
            entries=p.entries,
        ),
    )


_VISIT_RESPONSES = {
    200: {"model": VisitOut, "description": "this client id was registered before"},
    409: {"model": ErrorBody, "description": "client id reused with other details"},
}


@router.post(
    "/visits",
    response_model=VisitOut,
    status_code=201,
    response_model_by_alias=True,
    responses=_VISIT_RESPONSES,
)  # type: ignore[arg-type]
def create_visit(body: VisitCreate, central: CentralDep, kiosk: Kiosk, response: Response) -> VisitOut:
    """Register a visitor and ask reception; the decision arrives on /updates (or poll the visit)."""
    fields = body.model_dump()
    approval = fields.pop("kiosk_approval")
    req = visits.VisitRequest(
        **fields, kiosk_approval=None if approval is None else visits.KioskApproval(**approval)
    )
    view, created = visits.create_visit(central, kiosk.id, req)
    if not created:
        response.status_code = 200
    return _visit_out(view)


@router.get(
    "/visits/{visit_id}",
    response_model=VisitOut,
    response_model_by_alias=True,
    responses={404: {"model": ErrorBody}},
)
def get_visit(
    visit_id: Annotated[int, Path(ge=1, le=2_000_000_000)], central: CentralDep, kiosk: Kiosk
) -> VisitOut:
    return _visit_out(visits.get_visit(central, kiosk.id, visit_id))


@router.post(
    "/visits/{visit_id}/kiosk-approval",
    response_model=VisitOut,
    response_model_by_alias=True,
    responses={404: {"model": ErrorBody}},
)
def visit_kiosk_approval(
    visit_id: Annotated[int, Path(ge=1, le=2_000_000_000)],
    body: KioskApproval,
    central: CentralDep,
    kiosk: Kiosk,
) -> VisitOut:
    """A PIN approval at the kiosk of a visit central already has (the wait for reception ran
    out); the pass must verify with this kiosk's own key (422 `bad_kiosk_pass`)."""
    approval = visits.KioskApproval(**body.model_dump())
    return _visit_out(visits.kiosk_approval(central, kiosk.id, visit_id, approval))


@router.post("/kiosk-key", response_model=KioskKeyResponse, responses={409: {"model": ErrorBody}})
def kiosk_key(body: KioskKeyRequest, central: CentralDep, kiosk: Kiosk) -> KioskKeyResponse:
    """Register this kiosk's own pass-signing key (a kiosk enrolled before it had one, or one
    that drew a new key). 409 `key_id_taken`: draw another key and try again."""
    raw = base64.b64decode(body.public_key)
    registered = kiosks.register_key(central, kiosk.id, raw)
    return KioskKeyResponse(key_id=key_id_for(public_key_from_raw(raw)), registered=registered)


@router.get("/pins", response_model=PinsOut)
def pins(central: CentralDep, kiosk: Kiosk) -> PinsOut:
    """Kiosk PIN hashes (argon2) of enabled users, each with its role: a receptionist's approves
    a visitor at a kiosk when central cannot be asked, a technician's opens technician mode, an
    admin's does both."""
    return PinsOut(items=[PinItem(user=u, pin_hash=h, role=r) for u, h, r in users.pin_hashes(central)])


def _read_updates(central: Central, kiosk_id: int, after: int) -> UpdatesPage:
    rows, cursor = updates.read(central, kiosk_id, after)
    return UpdatesPage(
        items=[
            UpdateItem(
                seq=u.seq,
                kind=u.kind,
                payload=u.payload,  # type: ignore[arg-type]
                created_at=u.created_at,
            )
            for u in rows
        ],
        next_cursor=cursor,
    )


@router.get("/updates", response_model=UpdatesPage)
async def get_updates(
    request: Request,
    central: CentralDep,
    kiosk: Kiosk,
    after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="next_cursor of the last answer")] = 0,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="seconds to wait for news")] = 0,
) -> UpdatesPage:
    """Decisions on this kiosk's visits and revocations, after `after`. With `wait`, answers as
    soon as there is something (within a second of an approval) or when `wait` runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, central.settings.longpoll_cap)
    with central.wakeups.subscribe(kiosk.id) as woken:
        while True:
            woken.clear()  # before reading: a commit after this point sets it again
            page = await run_in_threadpool(_read_updates, central, kiosk.id, after)
            remaining = deadline - loop.time()
            if page.items or remaining <= 0 or central.wakeups.closing:
                return page
            try:
                await asyncio.wait_for(
                    woken.wait(), timeout=min(remaining, central.settings.longpoll_recheck)
                )
            except TimeoutError:
                pass


@router.post("/heartbeat", response_model=HeartbeatAck)
def heartbeat(body: Heartbeat, request: Request, central: CentralDep, kiosk: Kiosk) -> HeartbeatAck:
    """Device health, software versions, outbox depth and the kiosk's clock; answers with ours."""
    skew = kiosks.record_heartbeat(
        central,
        kiosk.id,
        sent_at=body.sent_at,
        versions=dict(body.versions),
        devices=[d.model_dump() for d in body.devices],
        outbox_depth=body.outbox_depth,
        address=request.client.host if request.client else None,
        diag=remote_diag.checked(body.diag),
    )
    return HeartbeatAck(server_time=datetime.now(UTC), clock_skew_ms=skew)


@router.get("/keys", response_model=KeysOut)
def keys(central: CentralDep, kiosk: Kiosk) -> KeysOut:
    """Public keys that passes may be signed with: the active one, and retired ones until the
    last pass they signed expires."""
    published = signing_keys.published(central)
    return KeysOut(keys=[KeyOut(**k) for k in published], facilities=FACILITIES.to_list())


@router.get("/revocations", response_model=RevocationsOut)
def revocation_list(central: CentralDep, kiosk: Kiosk) -> RevocationsOut:
    """Withdrawn passes and invitations not yet expired (lobby_core.passes.RevocationList.from_dict
    reads this body), and the updates cursor it is current to."""
    return RevocationsOut(**revocations.current(central))


@router.post(
    "/invitations/lookup",
    response_model=InvitationOut,
    responses={404: {"model": ErrorBody}},
)
def invitation(body: InvitationLookup, central: CentralDep, kiosk: Kiosk) -> InvitationOut:
    """An invitation by its scanned QR text (never by number, so numbers cannot be enumerated):
    whom it is for (masked) and whether it admits now. A forged or damaged code is 422
    `bad_invitation`."""
    inv = invitations.lookup_qr(central, body.qr)
    return InvitationOut(
        invitation_id=inv.id,
        visitor_name_masked=mask_name(inv.visitor_name),
        host=inv.host,
        valid_from=inv.valid_from,
        valid_until=inv.valid_until,
        entries_allowed=inv.entries_allowed,
        entries_left=max(0, inv.entries_allowed - inv.used_count),
        usable_now=inv.usable_at(datetime.now(UTC)),
    )


@router.get("/hosts", response_model=HostsOut)
def host_directory(central: CentralDep, kiosk: Kiosk) -> HostsOut:
    """The whole host directory (units/rooms and companies) and its version: a kiosk fetches it
    again when the version moved and searches it locally."""
    version, rows = hosts.listing(central)
    return HostsOut(
        version=version,
        items=[HostOut(id=h.id, kind=h.kind, label=h.label, detail=h.detail) for h in rows],  # type: ignore[arg-type]
    )


@router.get("/blocklist", response_model=BlocklistOut)
def kiosk_blocklist(central: CentralDep, kiosk: Kiosk) -> BlocklistOut:
    """The kiosks' blocklist key (derived from central's, never central's own) and the hashes of
    active entries under it, so a kiosk can check a registration before sending it. Central
    checks every registration again, including against entries too old to have a kiosk hash."""
    key, hashes = blocklist.kiosk_list(central)
    return BlocklistOut(key=base64.b64encode(key).decode("ascii"), hashes=hashes)
