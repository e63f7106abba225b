"""The safety logic every relay driver shares, so each driver only says how to talk to its board.

A turnstile relay left on is an open door, so this layer owns the guarantees:

- one lock per relay (per port): commands from several threads never interleave, and two
  pulses are serialised;
- pulse() raises RelayStateUnknown (keeping the original kind) once the on or flash was sent,
  and a plain DeviceError only when nothing was sent, so a caller knows whether a gate may
  have opened;
- pulse(): when the board cannot time the pulse itself, on -> hold -> off, with the off in a
  ``finally`` so it is sent even if something raises in between; if that off fails it is
  retried (reopening the port), and when it still fails health stays down "relay may be stuck
  on" while a background thread keeps trying until an off gets through;
- all relays off when the port is opened or reopened and when the relay is closed;
- when the port disappears (DeviceUnplugged) it is closed and reopened at once (the command is
  retried once if that works: all our commands are idempotent), else on a later operation
  with capped exponential backoff between failed attempts; health says why meanwhile. A port
  that fails to reopen after having been open raises DeviceUnplugged, not DeviceNotFound.

Drivers subclass GuardedRelay and implement the `_connect`/`_disconnect`/`_write`/`_read`/
`_write_all_off` hooks (and `_flash` when the board can time a pulse).
"""

from __future__ import annotations

import logging
import threading
import time
from abc import abstractmethod
from collections.abc import Callable
from typing import TypeVar

from lobby_core.backoff import Backoff

from ..base import Relay
from ..errors import (
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceProtocolError,
    DeviceUnplugged,
    RelayStateUnknown,
)
from ..health import Health, State
from ..liveness import LoopWatch
from ..url import DeviceURL

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_PULSE_MS = 60_000  # longer than any door strike needs; a bigger value is a config mistake
OFF_RETRY_DELAYS = (0.0, 0.05, 0.2)  # in-line attempts at the off before handing over
HEALTH_LOCK_WAIT = 2.0  # health() does not queue behind a long pulse for longer than this


def channels_from(url: DeviceURL, default: int, hi: int) -> int:
    return url.get_int("channels", default, lo=1, hi=hi)


class GuardedRelay(Relay):
    """A Relay whose subclasses only implement the board's wire protocol."""

    #: True when `_flash` makes the board time pulses itself.
    board_timed_pulse = False

    def __init__(self, url: str, where: str, channels: int, *,
                 backoff: Backoff | None = None) -> None:
        self.url = url
        self.where = where
        self.channels = channels
        self._lock = threading.RLock()
        self._connected = False
        self._closed = False
        self._backoff = backoff or Backoff(base_s=0.2, cap_s=5.0)
        self._retry_at = 0.0
        self._problem: Health | None = None
        self._stuck: dict[int, str] = {}
        self._stop = threading.Event()
        self._retrier: threading.Thread | None = None
        self._last_health = Health.down("not opened yet")
        # One step per board exchange (every one has a serial timeout); the hold of a
        # software-timed pulse is not an exchange, so a long pulse never looks like a hang.
        self._watch = LoopWatch()

    # -- the hooks a driver implements (called with the lock held) -----------------------------
    @abstractmethod
    def _connect(self) -> None:
        """Open the port; raise a DeviceError saying why it cannot be opened."""

    @abstractmethod
    def _disconnect(self) -> None:
        """Close the port; must not raise."""

    @abstractmethod
    def _write(self, channel: int, on: bool) -> None:
        """Switch one relay and confirm it where the board allows."""

    @abstractmethod
    def _read(self, channel: int) -> bool: ...

    @abstractmethod
    def _write_all_off(self) -> None: ...

    def _flash(self, channel: int, ms: int) -> None:
        """Have the board close the relay for `ms` and open it again by itself."""
        raise NotImplementedError

    def _probe(self) -> None:
        """Cheap check that the board is there, for health(); raise a DeviceError if not."""

    def _describe(self) -> str:
        return f"{self.channels} channel(s) on {self.where}"

    def _hold(self, seconds: float) -> None:
        """Wait while a software-timed pulse is on (a method so tests can inject a fault)."""
        time.sleep(seconds)

    # -- opening ---------------------------------------------------------------------------------
    def open(self) -> None:
        """First open: errors propagate as they are (DeviceNotFound, DeviceTimeout, ...)."""
        with self._lock:
            try:
                self._reconnect()
            except BaseException:
                self._closed = True  # never opened: nothing to switch off, nothing to reopen
                raise
            self._last_health = Health.ok(self._describe())

    def _reconnect(self) -> None:
        try:
            self._connect()
            self._connected = True
            # The board may have been power-cycled, or a pulse cut short by the unplug.
            self._write_all_off()
        except BaseException:
            self._drop_link()
            raise
        self._backoff.reset()
        self._retry_at = 0.0
        self._problem = None
        if self._stuck:
            log.info("relay %s: all relays off after reopening", self.where)
        self._stuck.clear()

    def _ready(self, *, force: bool = False) -> None:
        """Make sure the port is open, reopening it (respecting the backoff unless forced)."""
        if self._closed:
            raise DeviceError(f"relay {self.where} is closed")
        if self._connected:
            return
        now = time.monotonic()
        if not force and now < self._retry_at:
            why = self._problem.reason if self._problem else "port gone"
            raise DeviceUnplugged(
                f"{why}; next reopen attempt in {self._retry_at - now:.1f} s"
            )
        try:
            self._reconnect()
        except DeviceError as exc:
            self._retry_at = time.monotonic() + self._backoff.next_delay()
            self._problem = Health.down(f"{exc}")
            if isinstance(exc, DeviceNotFound):
                # It was open before: to the caller this is still the unplug being waited out.
                raise DeviceUnplugged(str(exc)) from exc
            raise
        log.info("relay %s: port reopened", self.where)

    def _drop_link(self) -> None:
        self._connected = False
        try:
            self._disconnect()
        except Exception:  # a vanished port may fail to close; it is dropped anyway
            log.debug("relay %s: close failed", self.where, exc_info=True)

    def _run(self, action: Callable[[], T]) -> T:
        """Run one board exchange, keeping health in step with how it went."""
        try:
            with self._watch.busy():
                result = action()
        except DeviceUnplugged as exc:
            log.warning("relay %s: %s", self.where, exc)
            self._drop_link()
            self._problem = Health.down(str(exc))
            raise
        except DeviceProtocolError as exc:
            self._problem = Health.degraded(str(exc))
            raise
        except DeviceError as exc:
            self._problem = Health.down(str(exc))
            raise
        self._problem = None
        return result

    def _command(self, action: Callable[[], T]) -> T:
        """_run, plus one immediate reopen-and-retry when the port turns out to be gone.

        After a USB glitch the adapter is often back before anyone notices it left; the first
        command then fails on the stale descriptor. Every command we send is idempotent
        (switch to a state, flash, read), so repeating it once on a fresh port is safe.
        """
        try:
            return self._run(action)
        except DeviceUnplugged as gone:
            try:
                self._ready(force=True)
            except DeviceError:
                raise gone from None
            return self._run(action)

    # -- Relay API ---------------------------------------------------------------------------------
    def pulse(self, channel: int, ms: int) -> None:
        self._check_channel(channel)
        if isinstance(ms, bool) or not isinstance(ms, int) or not 1 <= ms <= MAX_PULSE_MS:
            raise DeviceConfigError(
                f"relay {self.where}: pulse length {ms!r} ms is outside 1..{MAX_PULSE_MS}"
            )
        with self._lock:
            # Errors up to here mean nothing was sent: plain DeviceErrors. From the first
            # byte of the on (or flash) on, a failure is RelayStateUnknown: the gate may
            # have opened, and the caller must not treat the pulse as never given.
            self._ready()
            if self.board_timed_pulse:
                try:
                    self._command(lambda: self._flash(channel, ms))
                except DeviceError as exc:
                    raise RelayStateUnknown.of(exc) from exc
                return
            failed = False
            try:
                self._command(lambda: self._write(channel, True))
                self._hold(ms / 1000)
            except DeviceError as exc:
                failed = True
                raise RelayStateUnknown.of(exc) from exc
            except BaseException:
                failed = True
                raise
            finally:
                # Also after a failed on: the command may have reached the board.
                off_error = self._guaranteed_off(channel)
                if off_error is not None and not failed:
                    raise RelayStateUnknown.of(off_error)

    def set(self, channel: int, on: bool) -> None:
        self._check_channel(channel)
        if not isinstance(on, bool):
            raise DeviceConfigError(f"relay {self.where}: set() wants True or False, not {on!r}")
        with self._lock:
            self._ready()
            self._command(lambda: self._write(channel, on))
            if not on:
                self._stuck.pop(channel, None)

    def read(self, channel: int) -> bool:
        self._check_channel(channel)
        with self._lock:
            self._ready()
            return self._command(lambda: self._read(channel))

    def all_off(self) -> None:
        with self._lock:
            self._ready()
            self._command(self._write_all_off)
            self._stuck.clear()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            try:
                if self._connected:
                    self._run(self._write_all_off)
                else:
                    self._ready(force=True)  # reopening switches everything off
                self._stuck.clear()
            except DeviceError as exc:
                log.error("relay %s: could not switch the relays off at close: %s", self.where, exc)
            finally:
                self._drop_link()
                self._closed = True
                self._last_health = Health.down("closed")
            retrier = self._retrier
        if retrier is not None and retrier is not threading.current_thread():
            retrier.join(timeout=5)

    def stalled_for(self) -> float:
        """How long the board exchange in progress has been waiting (0.0 when none is)."""
        return self._watch.stalled_for()

    def health(self) -> Health:
        if not self._lock.acquire(timeout=HEALTH_LOCK_WAIT):
            return self._last_health  # busy with a long pulse; report what we last knew
        try:
            if self._closed:
                return Health.down("closed")
            if self._stuck:
                self._try_clear_stuck()
            if self._stuck:
                health = Health.down(self._stuck_reason())
            else:
                bad_answer = self._problem if self._problem and not self._problem.is_ok else None
                try:
                    self._ready()
                    self._run(self._probe)
                    if bad_answer is not None and bad_answer.state is State.DEGRADED:
                        # The board answers a status read, but its last answer to a command was
                        # wrong: keep saying so until a command succeeds.
                        self._problem = bad_answer
                except DeviceError:
                    pass  # _ready/_run recorded the problem
                health = self._problem or Health.ok(self._describe())
            self._last_health = health
            return health
        finally:
            self._lock.release()

    # -- the guaranteed off ------------------------------------------------------------------------
    def _guaranteed_off(self, channel: int) -> DeviceError | None:
        """Send the off, retrying and reopening; never raises. None when the off got through."""
        last: DeviceError | None = None
        for delay in OFF_RETRY_DELAYS:
            if delay:
                time.sleep(delay)  # not _hold(): that is what a test makes fail
            try:
                if last is not None:
                    self._drop_link()  # a fresh open also sends all-off
                self._ready(force=True)
                self._run(lambda: self._write(channel, False))
                self._stuck.pop(channel, None)
                return None
            except DeviceError as exc:
                last = exc
            except Exception as exc:  # whatever happened, keep trying to switch off
                last = DeviceError(f"relay {self.where}: {type(exc).__name__}: {exc}")
        assert last is not None
        self._stuck[channel] = str(last)
        log.error("relay %s: channel %d may be stuck on, off failed: %s", self.where, channel, last)
        self._start_retrier()
        error = type(last)(f"relay {self.where}: {self._stuck_reason()}")
        self._last_health = Health.down(self._stuck_reason())
        return error

    def _stuck_reason(self) -> str:
        chans = ", ".join(str(c) for c in sorted(self._stuck))
        first = self._stuck[min(self._stuck)]
        return f"relay may be stuck on (channel {chans}): off failed: {first}"

    def _try_clear_stuck(self) -> None:
        try:
            self._ready(force=True)
            for channel in sorted(self._stuck):
                self._run(lambda channel=channel: self._write(channel, False))
                self._stuck.pop(channel, None)
        except DeviceError as exc:
            for channel in self._stuck:
                self._stuck[channel] = str(exc)
            self._drop_link()
        if not self._stuck:
            log.info("relay %s: stuck relay switched off", self.where)

    def _start_retrier(self) -> None:
        if self._retrier is not None and self._retrier.is_alive():
            return
        self._retrier = threading.Thread(
            target=self._retry_offs, name=f"relay-off:{self.where}", daemon=True
        )
        self._retrier.start()

    def _retry_offs(self) -> None:
        backoff = Backoff(base_s=0.2, cap_s=5.0)
        while not self._stop.wait(backoff.next_delay()):
            with self._lock:
                if self._closed or not self._stuck:
                    return
                self._try_clear_stuck()
                if not self._stuck:
                    self._last_health = Health.ok(self._describe())
                    return

    # -- validation --------------------------------------------------------------------------------
    def _check_channel(self, channel: int) -> None:
        if isinstance(channel, bool) or not isinstance(channel, int):
            raise DeviceConfigError(f"relay {self.where}: channel must be an integer, not {channel!r}")
        if not 0 <= channel < self.channels:
            raise DeviceConfigError(
                f"relay {self.where}: channel {channel} is outside 0..{self.channels - 1}"
            )

