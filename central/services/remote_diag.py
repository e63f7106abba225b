"""Check a diagnostics report a kiosk sends with its heartbeat (lobby_core.diagnostics) and
keep it in its normalised form: bounded, unknown keys dropped, texts cut to length."""

from __future__ import annotations

from typing import Any

from lobby_core.diagnostics import DiagError, Report

from ..errors import Invalid


def checked(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The report as central stores it; None when the heartbeat had none. Invalid (422) names
    what is wrong, so the kiosk's log says why its report was refused."""
    if data is None:
        return None
    try:
        return Report.from_json(data).to_json()
    except DiagError as exc:
        raise Invalid(f"diag: {exc}", code="bad_diag") from None
