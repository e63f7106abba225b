"""systemd's view of the kiosk: READY=1 once its devices are up, watchdog pings while they live.

Under `Type=notify` with `WatchdogSec=`, systemd restarts the kiosk when the pings stop. A ping
says more than "the process exists": it is sent only while every device loop the entrance
depends on (card reader, relays, QR scanner, ID card reader) is alive, i.e. none has been stuck
in one step for longer than the stall limit (devices.liveness). A reader that is merely
unplugged is not stuck (its loop keeps retrying, and a restart would not bring it back); a
reader whose thread hangs in a call that never returns, or in a tap that never finishes, is,
and a restart is what brings the turnstile back.

Timing, from systemd's interval W ($WATCHDOG_USEC): a check and a ping every W/4, and a loop
counts as stuck after max(W/2, STALL_FLOOR_S); so a hung loop is restarted within about
1.5 W + W/4 of hanging. Without $NOTIFY_SOCKET (not run by systemd) all of this does nothing.
"""

from __future__ import annotations

import faulthandler
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from lobby_core.sd_notify import Notifier, watchdog_interval_s

log = logging.getLogger(__name__)

# Longer than any healthy step of any loop: a PC/SC wait is 1 s, a reconnect backoff 2 s, a
# tap (store commit + pulse) well under a second; so a short WatchdogSec cannot make a slow
# but healthy kiosk restart itself.
STALL_FLOOR_S = 5.0


class Loop(Protocol):
    def stalled_for(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Timing:
    ping_every_s: float
    stall_limit_s: float

    @classmethod
    def for_interval(cls, interval_s: float) -> Timing:
        return cls(ping_every_s=interval_s / 4, stall_limit_s=max(interval_s / 2, STALL_FLOOR_S))


class ServiceWatchdog:
    """ready() once the devices are up, stop() at shutdown; pings on a thread of its own (the
    main thread may be a UI's event loop)."""

    def __init__(self, notifier: Notifier, loops: Mapping[str, Loop], timing: Timing | None) -> None:
        self.notifier = notifier
        self.loops = dict(loops)
        self.timing = timing
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stuck: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, loops: Mapping[str, Loop],
                         environ: Mapping[str, str] | None = None) -> ServiceWatchdog:
        notifier = Notifier.from_environment(environ)
        interval = watchdog_interval_s(environ) if notifier.enabled else None
        return cls(notifier, loops, Timing.for_interval(interval) if interval else None)

    def ready(self, status: str = "ready") -> None:
        """The kiosk's devices are started: tell systemd, and start pinging if it asks us to."""
        self.notifier.send(READY="1", STATUS=status)
        if self.timing is None or self._thread is not None:
            return
        if not faulthandler.is_enabled():
            # systemd ends a kiosk that stopped pinging with SIGABRT: print where every thread
            # was (the hung loop among them) to stderr, i.e. to the journal, before dying.
            faulthandler.enable(all_threads=True)
        log.info("systemd watchdog: pinging every %.1f s while no device loop is stuck for %.0f s",
                 self.timing.ping_every_s, self.timing.stall_limit_s)
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Shutting down: no more pings, and systemd is told we are stopping on purpose."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self.notifier.send(STOPPING="1", STATUS="stopping")
        self.notifier.close()

    def stuck(self) -> dict[str, float]:
        """The loops stuck for longer than the stall limit, with for how long (seconds)."""
        if self.timing is None:
            return {}
        limit = self.timing.stall_limit_s
        out: dict[str, float] = {}
        for name, loop in self.loops.items():
            try:
                stalled = loop.stalled_for()
            except Exception:  # a driver bug here must not stop the pings of a working kiosk
                log.exception("systemd watchdog: cannot ask %s whether its loop is alive", name)
                continue
            if stalled > limit:
                out[name] = stalled
        return out

    def check(self) -> bool:
        """One round: ping when every loop is alive; True if a ping was sent."""
        stuck = self.stuck()
        names = tuple(sorted(stuck))
        if names != self._stuck:
            self._report(stuck)
            self._stuck = names
        if stuck:
            return False
        return self.notifier.send(WATCHDOG="1")

    def _report(self, stuck: dict[str, float]) -> None:
        if stuck:
            what = ", ".join(f"{name} stuck for {secs:.0f} s" for name, secs in sorted(stuck.items()))
            log.error("systemd watchdog: %s; no more pings, so systemd restarts the kiosk", what)
            self.notifier.send(STATUS=f"device loop stuck: {what}")
        else:
            log.warning("systemd watchdog: device loops alive again; pinging again")
            self.notifier.send(STATUS="ready")

    def _run(self) -> None:
        assert self.timing is not None
        while True:
            try:
                self.check()
            except Exception:  # never let the pinger die quietly: that restarts a good kiosk
                log.exception("systemd watchdog: check failed")
            if self._stop.wait(self.timing.ping_every_s):
                return
