"""Who may do what in the central service: the one table of roles, their capabilities and the
console pages each capability opens. web_auth.CAPABILITIES (role → capabilities, for code
outside the console) and console.access.PAGES (page → roles) are both read from it.

Receptionists run the desk (PRODUCT.md, flow 3): visitors, on-site roll call, log,
invitations, blocklist, members and their entrance log, the host directory, and a view of kiosk
and device health.
Technicians see the kiosks and devices only; console users are an administrator's job. An administrator may do
everything, and is listed in every row so that the table says so where it is read.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("receptionist", "admin", "technician")

RECEPTION = frozenset({"receptionist", "admin"})
TECHNICAL = frozenset({"technician", "admin"})
ADMIN = frozenset({"admin"})
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Grant:
    """One capability: the roles that have it and the console pages that need it."""

    roles: frozenset[str]
    pages: tuple[str, ...] = ()


# capability -> grant. Every console page appears in exactly one row.
GRANTS: dict[str, Grant] = {
    # Visits admitted beyond a package (overdraws) are settled at the desk, with the visitors.
    # Help calls from kiosks: reception goes to the visitor, like answering a pending one.
    "visits": Grant(RECEPTION, ("pending", "help", "onsite", "log", "overdraws")),
    "invitations": Grant(RECEPTION, ("invitations",)),
    "blocklist": Grant(RECEPTION, ("blocklist",)),
    # Members and their taps at the gate: reception answers "why was I refused?".
    "members": Grant(RECEPTION, ("members", "entrances")),
    # Whom visitors may visit: the desk keeps the directory the kiosks search.
    "hosts": Grant(RECEPTION, ("hosts",)),
    "kiosks": Grant(EVERYONE, ("kiosks",)),
    "devices": Grant(TECHNICAL),
    "users": Grant(ADMIN, ("users",)),
    # A role's own name is a capability too, so require_role("technician") reads as it says.
    "receptionist": Grant(RECEPTION),
    "technician": Grant(TECHNICAL),
    "admin": Grant(ADMIN),
}


def capabilities() -> dict[str, frozenset[str]]:
    """role -> what it may do (the view web_auth.require_role checks)."""
    return {role: frozenset(c for c, g in GRANTS.items() if role in g.roles) for role in ROLES}


def pages() -> dict[str, frozenset[str]]:
    """console page -> roles allowed (the view console.access checks on every request)."""
    out: dict[str, frozenset[str]] = {}
    for capability, grant in GRANTS.items():
        for page in grant.pages:
            if page in out:
                raise AssertionError(f"page {page!r} is granted twice (again by {capability!r})")
            out[page] = grant.roles
    return out
