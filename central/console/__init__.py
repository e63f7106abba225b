"""The receptionist web console: server-rendered pages for approvals, roll call, the visit log,
invitations, the blocklist, members and kiosk health, in Chinese and English.

`install(app)` adds its routes, static files and the handlers that turn "log in first" and
"not for your role" into pages; the rest of central/ knows nothing else about it.
"""

from __future__ import annotations

from .app import install

__all__ = ["install"]
