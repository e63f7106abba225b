"""Wake kiosks' long-polls when something for them is committed.

In one process (SQLite) a commit wakes the waiting requests through asyncio Events. Between
API processes (PostgreSQL) the writer also sends NOTIFY inside its transaction, so it is
delivered exactly at commit, and every process LISTENs and wakes its own waiters. A waiter
re-reads the database when woken, so a spurious or duplicated wake-up costs one query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "lobby_updates"
BROADCAST = "*"


class Wakeups:
    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._pg = make_url(database_url).get_backend_name() == "postgresql"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._listener: asyncio.Task[None] | None = None
        self.closing = False

    # -- writer side (any thread) ---------------------------------------------------------

    def publish(self, session: Session, kiosk_id: int | None) -> None:
        """Wake `kiosk_id`'s long-polls (None: every kiosk) once `session` commits."""
        key = BROADCAST if kiosk_id is None else str(kiosk_id)
        if self._pg:
            session.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": key})
        session.info.setdefault("wake", set()).add(key)

    def wake_local(self, keys: Iterable[str]) -> None:
        keys = set(keys)
        loop = self._loop
        if not keys or loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            loop.call_soon_threadsafe(self._set, keys)

    def _set(self, keys: set[str]) -> None:
        if BROADCAST in keys:
            targets = [ev for evs in self._waiters.values() for ev in evs]
        else:
            targets = [ev for k in keys for ev in self._waiters.get(k, ())]
        for ev in targets:
            ev.set()

    # -- reader side (event loop) ---------------------------------------------------------

    @contextlib.contextmanager
    def subscribe(self, kiosk_id: int) -> Iterator[asyncio.Event]:
        """An Event set when something for `kiosk_id` is committed; subscribe before reading."""
        ev = asyncio.Event()
        if self.closing:
            ev.set()
        key = str(kiosk_id)
        self._waiters.setdefault(key, set()).add(ev)
        try:
            yield ev
        finally:
            evs = self._waiters.get(key)
            if evs is not None:
                evs.discard(ev)
                if not evs:
                    del self._waiters[key]

    @property
    def waiting(self) -> int:
        return sum(len(v) for v in self._waiters.values())

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.closing = False
        if self._pg:
            self._listener = asyncio.create_task(self._listen(), name="central-listen")

    def close_waiters(self) -> None:
        """Shutdown: every current and future waiter returns at once."""
        self.closing = True
        self._set({BROADCAST})

    async def stop(self) -> None:
        self.close_waiters()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None

    async def _listen(self) -> None:
        import psycopg  # only on PostgreSQL

        conninfo = make_url(self._url).set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 0.5
        while not self.closing:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.5
                    # Anything committed while we were not listening: let every waiter re-read.
                    self._set({BROADCAST})
                    async for note in conn.notifies():
                        self._set({note.payload})
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: waiters fall back to their periodic re-read
                log.warning("LISTEN connection lost (%s); retrying in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
