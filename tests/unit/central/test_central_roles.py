"""The one authorisation table (central.roles) and its two views: every console route is guarded
by a page the table has, the navigation lists only such pages, and the role → capability view
web_auth checks says the same as the page → roles view the console checks."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from central import roles, web_auth
from central.console import access
from central.console.app import install

# Routes under /console that only redirect to the viewer's own first page.
UNGUARDED = {"/console", "/console/"}


def _guards(d: Dependant) -> set[str]:
    found = set()
    for sub in d.dependencies:
        if sub.call is not None and (name := access.guarded_page(sub.call)) is not None:
            found.add(name)
        found |= _guards(sub)
    return found


def _flatten(routes: list[BaseRoute]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for r in routes:
        # FastAPI >= 0.16x keeps an included router as one entry that wraps the original router.
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out += _flatten(inner.routes)
        elif isinstance(r, APIRoute):
            out.append(r)
    return out


def _console_routes() -> list[APIRoute]:
    app = FastAPI()
    install(app)
    return [r for r in _flatten(app.routes) if r.path.startswith("/console")]


def test_every_console_route_names_a_page_in_the_table() -> None:
    routes = _console_routes()
    assert len(routes) > 20  # the console's routers were installed
    table = roles.pages()
    problems = []
    for route in routes:
        if route.path in UNGUARDED:
            continue
        names = _guards(route.dependant)
        if len(names) != 1 or not names <= table.keys():
            problems.append(f"{sorted(route.methods)} {route.path}: {sorted(names)}")
    assert problems == []


def test_the_navigation_lists_only_pages_of_the_table() -> None:
    table = roles.pages()
    assert set(access.NAV) <= table.keys()
    assert len(set(access.NAV)) == len(access.NAV)
    # A page the table has but the navigation lacks could only be reached by typing its address.
    assert table.keys() <= set(access.NAV)


def test_the_two_views_agree() -> None:
    caps = web_auth.CAPABILITIES
    assert set(caps) == set(roles.ROLES) == set(web_auth.ROLES)
    # An administrator may do everything there is to do.
    assert caps["admin"] == set(roles.GRANTS)
    for capability, grant in roles.GRANTS.items():
        for page in grant.pages:
            for role in roles.ROLES:
                assert (role in access.PAGES[page]) == (capability in caps[role]), (page, role)
    # A role's own name is one of its capabilities.
    for role in roles.ROLES:
        assert role in caps[role]
