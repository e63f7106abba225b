"""The background sync inside `kiosk run`: a cycle thread and a long-poll thread.

- The cycle thread runs a full cycle every `interval_s`, and pushes events soon after a tap
  (`nudge()`). Those pushes run between full cycles and never postpone one: a kiosk tapped
  every few seconds still pulls renewals and sends its heartbeat on time. After a failure it
  waits with exponential backoff and jitter; taps do not cut the wait short, so a dead
  network never turns into a retry storm.
- A visitor registration is pushed at once (`nudge_visits()`): no batching delay, and it cuts
  a backoff wait short for one attempt, since a visitor is standing at the kiosk. Whoever
  waits for a visit subscribes (`subscribe_visits`) and hears when central took or decided
  one, or that an attempt to reach central failed.
- The long-poll thread waits on central's /updates for decisions, revocations and a
  technician's requests from the console (kiosk.sync.remote), which it runs as they arrive.
- A refused token ("kiosk not authorised") stops both from talking to central at all; they only
  look at the token file (locally) until `kiosk enroll` writes a new one.
The entrance never waits for any of this: it decides from the local store.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backend_client import errors
from backend_client.api import CentralAPI
from backend_client.status import StatusBook
from devices import Health
from kiosk.store import Store, StoreError
from lobby_core.backoff import Backoff

from . import client
from .engine import DeviceHealth, SyncEngine, SyncSettings
from .remote import DiagReport, RemoteActions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VisitNews:
    """For a visitor desk: central took or decided visit `client_id`, or (`failure` set) an
    attempt that started at `attempt_started` (time.monotonic) could not reach central."""

    client_id: str | None = None
    failure: str | None = None
    attempt_started: float = 0.0


class SyncWorker:
    def __init__(self, store: Store, central: client.CentralConfig,
                 settings: SyncSettings | None = None,
                 device_health: DeviceHealth | None = None) -> None:
        self.store = store
        self.central = central
        self.settings = settings or SyncSettings()
        self.device_health = device_health
        # Set by bootstrap.build like device_health: the heartbeat's diagnostics report and
        # what the console may ask this kiosk to do (kiosk.sync.remote).
        self.diag_report: DiagReport | None = None
        self.remote_actions: RemoteActions | None = None
        self.book = StatusBook(store.path.parent)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._visits_due = threading.Event()
        self._urgent = threading.Event()  # cuts a backoff wait short: stop, or a visitor
        self._visit_news: list[Callable[[VisitNews], None]] = []
        self._news_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._refused_token: str | None = None  # the token central said no to
        self._token_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        for target, name in ((self._cycle_loop, "sync-cycle"), (self._poll_loop, "sync-poll")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._urgent.set()
        for t in self._threads:
            t.join(timeout)

    def nudge(self) -> None:
        """A new event was recorded: push it soon (ignored while backing off)."""
        self._wake.set()

    def nudge_visits(self) -> None:
        """A visitor registration was queued: push it now, even during a backoff."""
        self._visits_due.set()
        self._urgent.set()
        self._wake.set()

    def subscribe_visits(self, listener: Callable[[VisitNews], None]) -> None:
        """`listener` hears VisitNews on the sync threads; it must return quickly."""
        with self._news_lock:
            self._visit_news.append(listener)

    def _publish(self, news: VisitNews) -> None:
        with self._news_lock:
            listeners = list(self._visit_news)
        for listener in listeners:
            try:
                listener(news)
            except Exception:  # a listener's bug must not stop sync
                log.exception("sync: a visit listener failed")

    def _visit_changed(self, client_id: str) -> None:
        self._publish(VisitNews(client_id=client_id))

    def _visits_failed(self, why: str, started: float) -> None:
        self._publish(VisitNews(failure=why, attempt_started=started))

    def _engine(self, api: CentralAPI) -> SyncEngine:
        return SyncEngine(self.store, api, self.book, self.settings, self.device_health,
                          visit_changed=self._visit_changed, diag_report=self.diag_report,
                          remote_actions=self.remote_actions)

    def on_entrance_result(self, _result: object) -> None:
        """A MemberEntrance listener (wired by bootstrap.build): every tap makes an event to push."""
        self.nudge()

    # -- token -----------------------------------------------------------------------------
    def _usable_token(self) -> str | None:
        """The stored token, unless central refused exactly this one (then None)."""
        token = client.load_token(self.store.path.parent)
        if token is None:
            self.book.not_enrolled()
            return None
        with self._token_lock:
            if token == self._refused_token:
                return None
            if self._refused_token is not None:
                log.info("sync: a new token was stored; talking to central again")
                self._refused_token = None
        return token

    def _refuse(self, token: str, exc: errors.NotAuthorised) -> None:
        with self._token_lock:
            if self._refused_token != token:
                log.error("sync: central refused this kiosk's token (%s); no more attempts until "
                          "it is enrolled again with `kiosk enroll URL CODE`", exc)
            self._refused_token = token
        self.book.failure(exc)

    def _api(self, token: str) -> CentralAPI:
        return client.make_api(self.central, token)

    # -- loops -----------------------------------------------------------------------------
    def _backoff_wait(self, delay: float) -> None:
        """Wait out a backoff; stop() ends it, and so does a visitor's registration (one
        attempt each: registrations are rare, so this is no retry storm)."""
        if not self._stop.is_set():
            self._urgent.wait(delay)
        self._urgent.clear()

    def _cycle_loop(self) -> None:
        backoff = Backoff(self.settings.backoff_base_s, self.settings.backoff_cap_s)
        api: CentralAPI | None = None
        api_token: str | None = None
        # The full cycle (members, keys, heartbeat) keeps its own schedule: pushes after taps
        # run in between and never move it, so a kiosk tapped every few seconds still pulls
        # renewals and still says it is alive.
        next_full = time.monotonic()
        while not self._stop.is_set():
            token = self._usable_token()
            if token is None:
                if self._visits_due.is_set():
                    self._visits_due.clear()
                    self._visits_failed("not enrolled", time.monotonic())
                self._urgent.wait(self.settings.token_check_s)
                self._urgent.clear()
                next_full = time.monotonic()
                continue
            if api is None or token != api_token:
                if api is not None:
                    api.close()
                api, api_token = self._api(token), token
            engine = self._engine(api)
            full_due = time.monotonic() >= next_full
            started = time.monotonic()
            visits = self._visits_due.is_set()
            self._visits_due.clear()
            self._urgent.clear()  # this attempt is the one a registration asked for
            try:
                if full_due:
                    next_full = time.monotonic() + self.settings.interval_s
                    engine.cycle()
                else:
                    engine.push_only(visits=visits)
            except errors.NotAuthorised as exc:
                self._refuse(token, exc)
                self._visits_failed(exc.kind, started)
                continue
            except (errors.CentralError, StoreError) as exc:
                delay = backoff.next_delay()
                if isinstance(exc, StoreError):
                    self.book.failure(exc, retry_in_s=delay)
                    log.error("sync: local store problem: %s", exc)
                else:
                    self.book.failure(exc, retry_in_s=delay)
                    log.warning("sync: %s (%s); next try in %.0f s", exc.kind, exc, delay)
                next_full = time.monotonic()  # after a failure the retry is a full cycle
                self._visits_failed(exc.kind if isinstance(exc, errors.CentralError) else "store",
                                    started)
                self._backoff_wait(delay)
                self._wake.clear()  # taps during the backoff are sent by the next cycle
                continue
            except Exception:
                delay = backoff.next_delay()
                log.exception("sync: unexpected failure; next try in %.0f s", delay)
                next_full = time.monotonic()
                self._visits_failed("error", started)
                self._backoff_wait(delay)
                continue
            backoff.reset()
            woken = self._wake.wait(max(0.0, next_full - time.monotonic()))
            if woken and not self._stop.is_set():
                self._wake.clear()
                if not self._visits_due.is_set():
                    self._stop.wait(self.settings.push_delay_s)  # let a burst of taps gather
        if api is not None:
            api.close()

    def _poll_loop(self) -> None:
        backoff = Backoff(self.settings.backoff_base_s, self.settings.backoff_cap_s)
        api: CentralAPI | None = None
        api_token: str | None = None
        while not self._stop.is_set():
            token = self._usable_token()
            if token is None:
                self._stop.wait(self.settings.token_check_s)
                continue
            if api is None or token != api_token:
                if api is not None:
                    api.close()
                api, api_token = self._api(token), token
            engine = self._engine(api)
            try:
                engine.poll_updates(self.settings.long_poll_s)
            except errors.NotAuthorised as exc:
                self._refuse(token, exc)
                continue
            except (errors.CentralError, StoreError) as exc:
                # The cycle thread reports connectivity; this one only waits its turn.
                delay = backoff.next_delay()
                log.debug("sync: updates poll failed (%s); next in %.0f s", exc, delay)
                self._stop.wait(delay)
                continue
            except Exception:
                delay = backoff.next_delay()
                log.exception("sync: updates poll crashed; next in %.0f s", delay)
                self._stop.wait(delay)
                continue
            backoff.reset()
        if api is not None:
            api.close()


def device_health_of(health: Callable[[], Mapping[str, Health]]) -> DeviceHealth:
    """The heartbeat's device list from a health probe such as bootstrap.Kiosk.health
    (name -> Health); bootstrap.build wires it."""

    def probe() -> list[dict[str, str]]:
        out = []
        for name, h in health().items():
            kind = re.sub(r"[^a-z0-9_-]", "_", name.lower())[:32] or "device"
            out.append({"name": name[:32], "kind": kind, "state": h.state.value,
                        "reason": " ".join(str(h.reason).split())[:200]})
        return out

    return probe
