"""Build one Check from a code of lobby_core.diag_codes and its params (the English text)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lobby_core.diag_codes import render
from lobby_core.diagnostics import Check, Status

PASS, WARN, FAIL = Status.PASS, Status.WARN, Status.FAIL


def check(id: str, status: Status, code: str, **params: object) -> Check:
    """The group is the id's first part ("relay.board" -> "relay")."""
    text = {k: str(v) for k, v in params.items()}
    summary, hint = render(code, text)
    return Check(id=id, group=id.split(".", 1)[0], status=status, summary=summary, hint=hint,
                 code=code, params=text)


def one_line(text: object, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def age(delta: timedelta) -> str:
    """'45 s', '12 min', '3 h', '2 d': coarse on purpose, for a person at a glance."""
    s = max(0, int(delta.total_seconds()))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 2 * 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def stamp(at: datetime, now: datetime) -> str:
    return f"{at.isoformat(timespec='seconds')} ({age(now - at)} ago)"
