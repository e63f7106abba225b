"""The one bridge between the services' threads and the Kivy thread.

Service calls (a store read, a wait for reception, a print, a PIN check) run on this
adapter's worker threads, never on the UI thread; their results, and results that services
publish on a device's thread (a card tap), are brought onto the UI thread with
`Clock.schedule_once`. Screens and presenters never start threads or touch Clock for this.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
Schedule = Callable[[Callable[[float], None], float], Any]  # Clock.schedule_once's shape
# A few workers: a visitor's approval wait can hold one for minutes while a PIN check, a
# health poll and a print still need to run.
WORKERS = 4


def kivy_schedule(callback: Callable[[float], None], timeout: float) -> Any:
    from kivy.clock import Clock

    return Clock.schedule_once(callback, timeout)


class UiAdapter:
    def __init__(self, schedule: Schedule = kivy_schedule, workers: int = WORKERS) -> None:
        self._schedule = schedule
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ui-worker")
        self._closed = threading.Event()

    def on_ui(self, fn: Callable[P, None]) -> Callable[P, None]:
        """A function any thread may call: it returns at once and `fn` runs on the UI thread.
        Use it as a service listener (`member_entrance.subscribe(adapter.on_ui(show))`)."""

        def post(*args: P.args, **kwargs: P.kwargs) -> None:
            if not self._closed.is_set():
                self._schedule(lambda _dt: self._guarded(fn, *args, **kwargs), 0)

        return post

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[BaseException], None] | None = None) -> Future[T]:
        """Run `work` on a worker thread; then `done(result)` or `failed(exc)` on the UI thread."""
        future = self._pool.submit(work)

        def finished(f: Future[T]) -> None:
            exc = f.exception()
            if exc is None:
                self.on_ui(done)(f.result())
            elif failed is not None:
                self.on_ui(failed)(exc)
            else:
                log.error("ui: a background call failed", exc_info=exc)

        future.add_done_callback(finished)
        return future

    @staticmethod
    def _guarded(fn: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        # An exception escaping a Clock callback would stop the whole app; a kiosk in the
        # lobby shows Home again instead (the screens' own error paths handle the expected).
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("ui: a screen update failed")

    def close(self) -> None:
        """No more results are posted; calls in flight finish on their own threads."""
        self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
