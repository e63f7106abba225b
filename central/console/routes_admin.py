"""Console pages beyond approvals: invitations (with their QR), the blocklist, members (search,
edit, CSV import), the host directory and console users (kiosks: routes_remote)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lobby_core import id_documents
from lobby_core.members_csv import COLUMNS, validate_rows

from .. import web_auth
from ..errors import Conflict, Invalid, NotFound, ServiceError
from ..services import blocklist, hosts, id_rules, invitations, local_members, members, users
from . import i18n, render, routes_overdraws
from .access import Viewer, action, page
from .forms import FormError, fields, integer, local_datetime, upload
from .qr_svg import qr_svg

router = APIRouter(prefix="/console", include_in_schema=False)

MAX_CSV_BYTES = 1 << 20


def _t(request: Request) -> i18n.Translator:
    return i18n.translator(render.language(request))


def _form_error(request: Request, exc: FormError) -> str:
    _ = _t(request)
    return _(str(exc), **{k: _(v) if isinstance(v, str) else v for k, v in exc.params.items()})


# Id in a console path: bounded like the database's integers, so any other integer is a 422
# (a 25-digit id used to overflow the driver and answer 500).
PathId = Annotated[int, Path(ge=1, le=2_000_000_000)]

# Service messages that start the same way whatever follows (a library's detail, a name).
SERVICE_PREFIXES: tuple[str, ...] = (
    "role must be one of",
)
SERVICE_MESSAGES: tuple[str, ...] = (
    "the window must end after it starts and last at most 31 days",
    "the window is over already",
    "entries allowed must be 1 to 50",
    "password must be 8 to 256 characters",
    "user name: 1 to 64 letters, digits and . _ @ -, starting with a letter or digit",
    "kind must be one of unit, company",
    "this host is in the directory already",
)
# The shared rules' message keys (lobby_core.id_documents, lobby_core.text) -> message ids. Their
# own English messages name the document type, so the console shows one line per key instead.
KEY_MESSAGES: dict[str, str] = {
    id_documents.BAD_CHECK: "The check character of the ID number does not match.",
    id_documents.BAD_DATE: "The birth date in the ID number is not a possible date.",
    id_documents.UNKNOWN_REGION: "The region code of the ID number is unknown.",
    id_documents.WRONG_LENGTH: "The ID number has the wrong length for this document type.",
    id_documents.WRONG_CHARACTERS: "The ID number has characters this document type does not use.",
    id_documents.UNKNOWN_TYPE: "Choose the document type.",
    id_documents.UNKNOWN_COUNTRY: "The issuing country is not an ISO 3166 country code.",
    id_documents.MISSING_COUNTRY: "A passport needs its issuing country.",
    id_documents.MOBILE_WRONG_CHARACTERS: "A mobile number has only digits and a leading +.",
    id_documents.MOBILE_WRONG_LENGTH: "The mobile number has the wrong number of digits.",
    id_documents.MOBILE_BAD_PREFIX: "The mobile number does not start as a mobile number does.",
    id_rules.RESIDENT_ID_AS_FREE_FORM: (
        "This number is a resident ID or residence permit number: choose that document type."
    ),
    "text.not_text": "{field}: enter text.",
    "text.bad_characters": (
        "{field} holds characters that cannot be stored (control, invisible or private-use characters)."
    ),
    "text.empty": "{field}: this is required.",
    "text.too_long": "{field} is too long.",
}
# The members rules' refusals of a typed name (lobby_core.members_csv through lobby_core.text),
# shown as they come, so translated whole.
MEMBER_NAME_MESSAGES: tuple[str, ...] = (
    "name contains control characters",
    "name contains invisible formatting characters",
    "name contains private-use characters",
    "name contains invalid characters",
    "name contains unassigned characters",
    "name is empty",
)
# Field names the text rule reports -> their labels in the forms.
FIELD_LABELS: dict[str, str] = {
    "name": "Name", "visitor name": "Visitor name", "host": "Visiting", "reason": "Reason",
    "label": "Label", "detail": "Detail", "note": "Note",
}  # fmt: skip


def _service_error(request: Request, exc: ServiceError) -> str:
    # Service messages are English and carry no personal values; translate the ones we know.
    _ = _t(request)
    text = str(exc)
    if exc.key in KEY_MESSAGES:
        field = exc.field or ""
        return _(KEY_MESSAGES[exc.key], field=_(FIELD_LABELS.get(field, field)))
    if text in SERVICE_MESSAGES:
        return _(text)
    for prefix in SERVICE_PREFIXES:
        if text.startswith(prefix):
            return _(prefix)
    if isinstance(exc, Conflict) and text.startswith("user "):
        return _("This user name is taken.")
    return text


def _see(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


# -- invitations ----------------------------------------------------------------------------

Inviter = Annotated[Viewer, Depends(page("invitations"))]


def _invitations_page(
    request: Request,
    v: Viewer,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    rows = invitations.listing(web_auth.get_central(request))
    return render.page(
        request, v, "invitations.html", status=status, error=error, rows=rows, values=values or {},
        flash=(request.query_params.get("done"), None),
    )  # fmt: skip


@router.get("/invitations")
def invitations_page(request: Request, v: Inviter) -> Response:
    return _invitations_page(request, v)


@router.post("/invitations")
async def invitation_create(
    request: Request, v: Annotated[Viewer, Depends(action("invitations"))]
) -> Response:
    f = await fields(request)
    try:
        valid_from = local_datetime(f.get("valid_from", ""), "Valid from")
        valid_until = local_datetime(f.get("valid_until", ""), "Valid until")
        entries = integer(f.get("entries", "1") or "1", "Entries", 1, 50)
        inv = await run_in_threadpool(
            invitations.create, web_auth.get_central(request), v.user, f.get("visitor_name", ""),
            f.get("host", ""), valid_from, valid_until, entries,
        )  # fmt: skip
    except FormError as exc:
        return _invitations_page(request, v, 422, _form_error(request, exc), f)
    except Invalid as exc:
        return _invitations_page(request, v, 422, _service_error(request, exc), f)
    return RedirectResponse(f"/console/invitations/{inv.id}", status_code=303)


def _invitation(request: Request, invitation_id: int) -> invitations.InvitationView:
    return invitations.lookup(web_auth.get_central(request), invitation_id)


@router.get("/invitations/{invitation_id}")
def invitation_page(request: Request, v: Inviter, invitation_id: PathId) -> Response:
    try:
        inv = _invitation(request, invitation_id)
    except NotFound:
        return render.page(request, v, "not_found.html", status=404)
    try:
        svg, qr_error = qr_svg(inv.qr_text), None
    except ValueError as exc:
        svg, qr_error = None, str(exc)
    return render.page(request, v, "invitation.html", inv=inv, svg=svg, qr_error=qr_error)


@router.post("/invitations/{invitation_id}/revoke")
def invitation_revoke(
    request: Request, invitation_id: PathId, v: Annotated[Viewer, Depends(action("invitations"))]
) -> Response:
    try:
        invitations.revoke(web_auth.get_central(request), invitation_id)
    except NotFound:
        return _see("/console/invitations", "gone")
    return _see("/console/invitations", "revoked")


# -- blocklist ------------------------------------------------------------------------------


def _blocklist_page(
    request: Request,
    v: Viewer,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    # The ID number is never put back into the form, even when the post failed.
    kept = {k: val for k, val in (values or {}).items() if k in ("id_type", "id_country", "name", "reason")}
    return render.page(
        request, v, "blocklist.html", status=status, error=error, values=kept,
        rows=blocklist.entries(web_auth.get_central(request)), id_types=id_documents.ID_TYPES,
        flash=(request.query_params.get("done"), None),
    )  # fmt: skip


@router.get("/blocklist")
def blocklist_page(request: Request, v: Annotated[Viewer, Depends(page("blocklist"))]) -> Response:
    return _blocklist_page(request, v)


@router.post("/blocklist")
async def blocklist_add(request: Request, v: Annotated[Viewer, Depends(action("blocklist"))]) -> Response:
    f = await fields(request)
    try:
        await run_in_threadpool(
            blocklist.add, web_auth.get_central(request), v.user, f.get("id_type", ""),
            f.get("id_number", ""), f.get("reason", ""), f.get("name") or None, f.get("id_country") or None,
        )  # fmt: skip
    except Invalid as exc:
        return _blocklist_page(request, v, 422, _service_error(request, exc), f)
    return _see("/console/blocklist", "added")


@router.post("/blocklist/{entry_id}/remove")
def blocklist_remove(
    request: Request, entry_id: PathId, v: Annotated[Viewer, Depends(action("blocklist"))]
) -> Response:
    try:
        blocklist.remove(web_auth.get_central(request), entry_id)
    except NotFound:
        return _see("/console/blocklist", "gone")
    return _see("/console/blocklist", "removed")


# -- members --------------------------------------------------------------------------------

MembersPage = Annotated[Viewer, Depends(page("members"))]
MembersAction = Annotated[Viewer, Depends(action("members"))]


@router.get("/members")
def members_page(request: Request, v: MembersPage, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    central = web_auth.get_central(request)
    return render.page(
        request, v, "members.html", q=q, rows=members.search(central, q, 50), total=members.count(central),
        local_rows=local_members.search(central, q, 50),
        result=None, flash=(request.query_params.get("done"), None),
    )  # fmt: skip


def _member_form(
    request: Request, v: Viewer, values: dict[str, str], status: int = 200, error: str | None = None,
    existing: bool = False,
) -> Response:  # fmt: skip
    # The member's unsettled overdraws: whoever edits the package sees what is still owed.
    no = values.get("member_no", "") if existing else ""
    open_overdraws = routes_overdraws.rows(web_auth.get_central(request), member_no=no) if no else []
    return render.page(
        request, v, "member_edit.html", status=status, error=error, values=values, existing=existing,
        overdraws=open_overdraws,
    )  # fmt: skip


@router.get("/members/edit")
def member_edit(request: Request, v: MembersPage, no: Annotated[str, Query(max_length=32)] = "") -> Response:
    values: dict[str, str] = {"status": "active"}
    if no:
        m = members.get_member(web_auth.get_central(request), no)
        if m is None:
            return render.page(request, v, "not_found.html", status=404)
        values = {
            "member_no": m.member_no, "name": m.name, "card_uid": m.card_uids, "facilities": m.facilities,
            "valid_from": m.valid_from.isoformat(), "valid_until": m.valid_until.isoformat(),
            "status": m.status,
            "visits_remaining": "" if m.visits_remaining is None else str(m.visits_remaining),
        }  # fmt: skip
    return _member_form(request, v, values, existing=bool(no))


@router.post("/members/save")
async def member_save(request: Request, v: MembersAction) -> Response:
    f = await fields(request)
    existing = f.get("existing") == "1"
    # The same rules as a CSV row: one validator for the form and both importers.
    parsed = validate_rows(COLUMNS, [(1, [f.get(c, "") for c in COLUMNS])])
    if parsed.errors:
        reason = parsed.errors[0].reason
        return _member_form(request, v, f, 422, _t(request)(reason), existing)
    if not parsed.members:  # an all-empty form is a "blank line" to the CSV rules
        return _member_form(request, v, f, 422, _t(request)("Fill in the member's details."), existing)
    r = parsed.members[0]
    try:
        await run_in_threadpool(members.upsert, web_auth.get_central(request), r)
    except Invalid as exc:
        return _member_form(request, v, f, 422, _service_error(request, exc), existing)
    return _see("/console/members", "saved")


@router.post("/members/delete")
async def member_delete(request: Request, v: MembersAction) -> Response:
    f = await fields(request)
    try:
        await run_in_threadpool(members.delete_member, web_auth.get_central(request), f.get("member_no", ""))
    except NotFound:
        return _see("/console/members", "gone")
    return _see("/console/members", "deleted")


@router.post("/members/import")
async def members_import(request: Request, v: MembersAction) -> Response:
    central = web_auth.get_central(request)
    _ = _t(request)
    file = await upload(request, "file")
    result: dict[str, Any]
    if file is None:
        result = {"error": _("Choose a CSV file to import.")}
    else:
        data = await file.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            result = {"error": _("The file is larger than 1 MB; split it.")}
        else:
            try:
                res = await run_in_threadpool(members.import_csv, central, data)
                result = {"ok": res}
            except Invalid as exc:
                result = {"error": _service_error(request, exc)}
    status = 422 if "error" in result else 200
    return render.page(
        request, v, "members.html", status=status, q="", rows=members.search(central, "", 50),
        total=members.count(central), local_rows=local_members.search(central, "", 50), result=result,
        flash=(None, None),
    )  # fmt: skip


# -- host directory -------------------------------------------------------------------------

HostsPage = Annotated[Viewer, Depends(page("hosts"))]
HostsAction = Annotated[Viewer, Depends(action("hosts"))]


def _hosts_page(
    request: Request,
    v: Viewer,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    result: hosts.ImportResult | None = None,
) -> Response:
    version, rows = hosts.listing(web_auth.get_central(request))
    return render.page(
        request, v, "hosts.html", status=status, error=error, values=values or {}, rows=rows,
        version=version, kinds=hosts.KINDS, result=result, flash=(request.query_params.get("done"), None),
    )  # fmt: skip


@router.get("/hosts")
def hosts_page(request: Request, v: HostsPage) -> Response:
    return _hosts_page(request, v)


@router.post("/hosts")
async def host_add(request: Request, v: HostsAction) -> Response:
    f = await fields(request)
    try:
        await run_in_threadpool(
            hosts.add, web_auth.get_central(request), f.get("kind", ""), f.get("label", ""),
            f.get("detail", ""),
        )  # fmt: skip
    except (Invalid, Conflict) as exc:
        return _hosts_page(request, v, 422, _service_error(request, exc), f)
    return _see("/console/hosts", "added")


@router.post("/hosts/{host_id}/remove")
def host_remove(request: Request, host_id: PathId, v: HostsAction) -> Response:
    try:
        hosts.remove(web_auth.get_central(request), host_id)
    except NotFound:
        return _see("/console/hosts", "gone")
    return _see("/console/hosts", "removed")


@router.post("/hosts/import")
async def hosts_import(request: Request, v: HostsAction) -> Response:
    _ = _t(request)
    file = await upload(request, "file")
    if file is None:
        return _hosts_page(request, v, 422, _("Choose a CSV file to import."))
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        return _hosts_page(request, v, 422, _("The file is larger than 1 MB; split it."))
    try:
        res = await run_in_threadpool(hosts.import_csv, web_auth.get_central(request), data)
    except Invalid as exc:
        return _hosts_page(request, v, 422, _service_error(request, exc))
    return _hosts_page(request, v, 422 if res.errors else 200, result=res)


# -- users ----------------------------------------------------------------------------------


def _users_page(request: Request, v: Viewer, status: int = 200, error: str | None = None,
                values: dict[str, str] | None = None) -> Response:  # fmt: skip
    kept = {k: val for k, val in (values or {}).items() if k != "password"}
    return render.page(
        request, v, "users.html", status=status, error=error, values=kept, roles=web_auth.ROLES,
        rows=users.listing(web_auth.get_central(request)), flash=(request.query_params.get("done"), None),
    )  # fmt: skip


def users_page_response(request: Request, v: Viewer, status: int, error: str) -> Response:
    """The users page with an error (routes_users' refusals)."""
    return _users_page(request, v, status, error)


@router.get("/users")
def users_page(request: Request, v: Annotated[Viewer, Depends(page("users"))]) -> Response:
    return _users_page(request, v)


@router.post("/users")
async def user_add(request: Request, v: Annotated[Viewer, Depends(action("users"))]) -> Response:
    form = await request.form()
    f = await fields(request)
    password = form.get("password")  # not stripped: spaces may be part of it
    try:
        await run_in_threadpool(
            web_auth.add_user, web_auth.get_central(request), f.get("username", ""),
            password if isinstance(password, str) else "", f.get("role", ""),
        )  # fmt: skip
    except (Invalid, Conflict) as exc:
        return _users_page(request, v, 422, _service_error(request, exc), f)
    return _see("/console/users", "added")
