"""The kiosk API for remote technician requests (central.services.remote): a kiosk answers a
request it got on /updates with its result, and uploads the bundle a "bundle" request asked for.
Only the kiosk the request was for may answer it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from .api import _ERRORS, CentralDep, Kiosk
from .schemas import ErrorBody
from .services import remote

router = APIRouter(prefix="/api/v1", tags=["kiosk"], responses=_ERRORS)
BUNDLE_PATH_PREFIX = "/api/v1/actions/"  # the body limit for bundles (app.py)
ActionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ActionResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ok: bool
    detail: Annotated[str, Field(max_length=remote.MAX_DETAIL)] = ""


class Accepted(BaseModel):
    stored: bool = True


@router.post(
    "/actions/{action_id}/result",
    response_model=Accepted,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def action_result(action_id: ActionId, body: ActionResult, central: CentralDep, kiosk: Kiosk) -> Accepted:
    """How a request this kiosk got on /updates went: ok or failed, and one line saying why."""
    remote.record_result(central, kiosk.id, action_id, body.ok, body.detail)
    return Accepted()


@router.put(
    "/actions/{action_id}/bundle",
    response_model=Accepted,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 413: {"model": ErrorBody}},
    openapi_extra={
        "requestBody": {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            "required": True,
        }
    },
)
async def action_bundle(action_id: ActionId, request: Request, central: CentralDep, kiosk: Kiosk) -> Accepted:
    """The diagnostics bundle for a "bundle" request, the bytes of a tar.gz (at most 8 MiB; 422
    `bad_bundle` if it is not one); answers the request."""
    data = await request.body()
    await run_in_threadpool(remote.store_bundle, central, kiosk.id, action_id, data)
    return Accepted()
