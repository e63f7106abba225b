"""The one way a presenter asks for slow work (store, network, devices): `Background`.

The app shell's adapter implements it: `work` runs on a worker thread, then `done(result)` or
`failed(error)` runs on the UI thread. Tests pass a synchronous one (`run_now`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Background(Protocol):
    def __call__(self, work: Callable[[], Any], done: Callable[[Any], None],
                 failed: Callable[[BaseException], None]) -> None: ...


def run_now(work: Callable[[], Any], done: Callable[[Any], None],
            failed: Callable[[BaseException], None]) -> None:
    """Runs everything on the caller's thread (tests, and tools without a UI)."""
    try:
        result = work()
    except Exception as exc:  # the presenter decides what each failure means
        failed(exc)
        return
    done(result)
