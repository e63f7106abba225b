"""One supervised thread that owns a device's serial port: open, talk, reopen, restart.

Shared by the serial drivers that read on their own (the QR scanner, the ID card reader):

- the thread opens the port with capped backoff, so start() never fails because the device is
  missing at boot and health() says why nothing is read meanwhile;
- when the driver's `talk(port)` raises DeviceUnplugged, health says the device is unplugged and
  the port is reopened; any other DeviceError is reported as it is, then the port is reopened;
- a thread killed by something the loop cannot catch (SystemExit from a callback) is started
  again by the next health() check.

The driver keeps only its own part: how to open the port and what to say on it.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import serial

from lobby_core.backoff import Backoff

from .callback_device import CallbackDevice
from .errors import DeviceError, DeviceUnplugged
from .health import Health
from .liveness import LoopWatch

E = TypeVar("E")


class Stopped(Exception):
    """stop() was called while the driver was waiting on the port; the thread ends quietly."""


class SerialWorker:
    def __init__(
        self,
        *,
        where: str,
        noun: str,
        thread_name: str,
        unplugged: str,
        open_port: Callable[[], serial.Serial],
        talk: Callable[[serial.Serial], None],
        set_health: Callable[[Health], None],
        log: logging.Logger,
    ) -> None:
        """`noun` ("scanner", "ID reader") starts the health reasons of the thread's own failures;
        `unplugged` is the health reason for a port that went away; `talk(port)` runs on the open
        port until `stopping` is set or it raises."""
        self.where = where
        self.noun = noun
        self.thread_name = thread_name
        self.unplugged = unplugged
        self._open_port = open_port
        self._talk = talk
        self._set_health = set_health
        self._log = log
        self.stopping = threading.Event()
        # One step per round of _supervise and per round of the driver's talk loop (which
        # calls watch.step()): every wait in both is bounded, so a long step is a hang.
        self.watch = LoopWatch()
        self.thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._port: serial.Serial | None = None
        self._ever_open = False

    def start(self, arm: Callable[[], None]) -> None:
        """Start the thread; `arm()` runs first, under the lock, once it is sure to start."""
        with self._lock:
            if self.thread is not None:
                raise DeviceError(f"{self.where}: already started")
            arm()
            self.stopping.clear()
            self._set_health(Health.down("starting"))
            self._spawn()

    def stop(self) -> None:
        with self._lock:
            thread, self.thread = self.thread, None
            self.stopping.set()
            port = self._port
        if port is not None:
            try:
                port.cancel_read()
            except Exception:  # the port may be closing under us; the driver's poll still ends the read
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        if thread is not None:
            self._set_health(Health.down("stopped"))

    def revive(self) -> None:
        """Start the thread again if it died while it should be running (called from health())."""
        with self._lock:
            thread = self.thread
            dead = thread is not None and not thread.is_alive() and not self.stopping.is_set()
            if dead:
                # The loop catches every Exception; only something like SystemExit raised in a
                # callback can end it. Supervise it here too: start it again.
                self._log.error("%s: reader thread ended unexpectedly; restarting it", self.where)
                self._spawn()
        if dead:
            self._set_health(Health.down(f"{self.noun} loop stopped unexpectedly; restarted"))

    def _spawn(self) -> None:
        self.thread = threading.Thread(target=self._supervise, name=self.thread_name, daemon=True)
        self.thread.start()

    def stalled_for(self) -> float:
        return self.watch.stalled_for() if self.thread is not None else 0.0

    def _supervise(self) -> None:
        backoff = Backoff(base_s=0.1, cap_s=2.0)
        while not self.stopping.is_set():
            self.watch.step()
            try:
                if self._session():
                    backoff.reset()
            except Stopped:
                return
            except Exception:
                self._log.exception("%s: %s loop failed; restarting it", self.where, self.noun)
                self._set_health(Health.down(f"{self.noun} loop restarting after an error"))
            self.stopping.wait(backoff.next_delay())
        self.watch.idle()

    def _session(self) -> bool:
        """Open the port and talk until it fails or stop(); True if it was opened."""
        try:
            port = self._open_port()
        except DeviceError as exc:
            self._log.debug("%s: cannot open the port: %s", self.where, exc)
            # A node that vanished after we had it open is an unplug, not a wrong path.
            gone = getattr(exc.__cause__, "errno", None) == errno.ENOENT and self._ever_open
            self._set_health(Health.down(self.unplugged if gone else str(exc)))
            return False
        with self._lock:
            self._port = port
        self._ever_open = True
        try:
            self._talk(port)
        except DeviceUnplugged as exc:
            cause = exc.__cause__ or exc
            self._log.warning("%s: port gone (%s); reopening", self.where, type(cause).__name__)
            self._set_health(Health.down(self.unplugged))
        except DeviceError as exc:
            # Not a vanished port, but not one we can keep using either: start afresh.
            self._log.warning("%s: %s; reopening", self.where, exc)
            self._set_health(Health.down(str(exc)))
        finally:
            with self._lock:
                self._port = None
            try:
                port.close()
            except Exception:  # an unplugged port may fail to close; it is dropped either way
                pass
        return True


class SupervisedSerialDevice(CallbackDevice[E]):
    """start()/stop()/health() of a device whose port a SerialWorker owns; the driver sets `_worker`."""

    _worker: SerialWorker

    def start(self, callback: Callable[[E], None]) -> None:
        self._check_callback(callback)

        def arm() -> None:
            self._callback = callback
            self._reset_run()

        self._worker.start(arm)

    def _reset_run(self) -> None:
        """A start() is going ahead: reset what the driver keeps per run (under the worker's lock)."""

    def stop(self) -> None:
        self._worker.stop()

    def stalled_for(self) -> float:
        return self._worker.stalled_for()

    def health(self) -> Health:
        self._worker.revive()
        return super().health()
