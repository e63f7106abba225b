"""Render console pages: one Jinja2 environment (autoescaped), the per-request context
(viewer, language, translator, CSRF token), local-time formatting and security headers."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from lobby_core.masking import mask_id_number, mask_uid

from .. import web_auth
from ..services import members, overdraw, pass_entries
from . import i18n
from .access import Viewer

# Message ids (English) for the ID document types of lobby_core.id_documents.ID_TYPES.
ID_TYPE_LABELS = {
    "cn_ric": "Resident ID card",
    "hmt_res_permit": "HK/Macao/Taiwan residence permit",
    "foreign_pr": "Foreigner's permanent residence ID",
    "passport": "Passport",
    "hk_macao_permit": "HK/Macao permit",
    "taiwan_permit": "Taiwan permit",
    "other": "Other ID",
}
_TEMPLATES = Path(__file__).parent / "templates"

# Pages carry personal data: no caching, no framing, scripts and styles only from us.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@cache
def console_zone() -> tzinfo:
    """Where the property is: $CENTRAL_TIMEZONE (e.g. Asia/Shanghai), else the host's zone."""
    name = os.environ.get("CENTRAL_TIMEZONE", "").strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"$CENTRAL_TIMEZONE: unknown time zone {name!r}") from None
    return datetime.now().astimezone().tzinfo or UTC


def local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if dt is None:
        return ""
    return dt.astimezone(console_zone()).strftime(fmt)


def today() -> date:
    """The property's date now (what a member's validity is judged by)."""
    return datetime.now(console_zone()).date()


def open_settlements(request: Request) -> int:
    """What reception still has to settle: overdrawn visits and overused visitor passes."""
    central = web_auth.get_central(request)
    return overdraw.count_unresolved(central) + pass_entries.count_unresolved(central)


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["local"] = local
    env.filters["time"] = lambda dt: local(dt, "%H:%M")
    env.filters["mask_id"] = mask_id_number
    env.filters["mask_uid"] = mask_uid
    env.globals["id_labels"] = ID_TYPE_LABELS
    # A member's validity as of today (the members list): an expired member never reads "active".
    env.globals["standing"] = lambda m: members.standing(m, today())
    return env


ENV = _env()


def language(request: Request) -> str:
    return i18n.choose(request.cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language"))


def context(request: Request, viewer: Viewer | None, **extra: Any) -> dict[str, Any]:
    lang = language(request)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {
        "request_path": path,
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh_CN" else "en",
        "languages": i18n.LANGUAGE_NAMES,
        "_": i18n.translator(lang),
        "viewer": viewer,
        "csrf": viewer.csrf_token if viewer else "",
        # Called by the navigation only when the viewer may open the overdraws page.
        "open_overdraws": lambda: open_settlements(request),
        "now": datetime.now(UTC),
        "flash": None,
        "error": None,
        **extra,
    }


def render_string(template: str, ctx: dict[str, Any]) -> str:
    return ENV.get_template(template).render(ctx)


def page(
    request: Request, viewer: Viewer | None, template: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    html = render_string(template, context(request, viewer, **extra))
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
