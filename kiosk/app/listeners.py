"""Result listeners for the application services: subscribe, unsubscribe, publish safely."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")
Unsubscribe = Callable[[], None]


class Listeners(Generic[R]):
    """Listeners are called on the publishing thread (a device's thread); one that raises is
    logged and skipped, so a broken screen never stops the turnstile."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._log = log
        self._what = what
        self._listeners: list[Callable[[R], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[R], None]) -> Unsubscribe:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def __len__(self) -> int:
        with self._lock:
            return len(self._listeners)

    def publish(self, result: R) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(result)
            except Exception:
                self._log.exception("%s: a result listener failed", self._what)
