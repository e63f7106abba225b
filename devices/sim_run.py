"""The plumbing every event-delivering sim:// device shares: one run from start() to stop().

The sim card reader, QR scanner and ID card reader all: refuse a second running sim of the same
kind and name, register in devices.simhub, listen on an optional control socket, and hand their
events to the application in order on a thread of their own, as a real driver's reader thread
does. Their URLs take `name=` and `control=` alike. What each one simulates stays in its module.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from . import simhub
from .errors import DeviceConfigError, DeviceError
from .liveness import LoopWatch
from .sim_control import ControlSocket, check_path
from .url import DeviceURL

T = TypeVar("T")
_END = object()  # queue marker: the run is over


class SimRun(Generic[T]):
    """One start() .. stop() of a sim:// device.

    A fresh run (so a fresh queue) per start(): a thread stuck in an old run's callback never
    sees the new run's events.
    """

    def __init__(
        self,
        device: Any,
        *,
        kind: str,
        name: str,
        noun: str,
        url: str,
        control: str | None,
        on_command: Callable[[str], str],
        thread_name: str,
        handle: Callable[[T], None],
    ) -> None:
        """Start the run of `device` (registered as `kind`/`name`; `noun` names it in errors);
        `handle` gets each put() event on the run's thread, `on_command` each control line."""
        try:
            other = simhub.get(kind, name)
        except LookupError:
            other = None
        if other is not None and other is not device:
            raise DeviceConfigError(f"{url}: a {noun} named {name!r} is already running")
        self._device, self._kind, self._name = device, kind, name
        self._control = ControlSocket(control, on_command) if control is not None else None
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.watch = LoopWatch()  # waiting on the queue is idle; each event is one step
        self._thread = threading.Thread(target=self._dispatch, args=(handle,), name=thread_name,
                                        daemon=True)
        self._thread.start()
        simhub.register(kind, name, device)

    def put(self, event: T) -> None:
        self._queue.put(event)

    def end(self) -> None:
        """Leave simhub and let the thread finish what is queued; under the device's lock, so a
        start() that follows cannot have its registration removed by this run."""
        simhub.unregister(self._kind, self._name, self._device)
        self._queue.put(_END)

    def join(self) -> None:
        """Close the control socket and wait for the thread. Outside the device's lock: a control
        command or a callback in flight may be waiting for that lock."""
        if self._control is not None:
            self._control.close()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _dispatch(self, handle: Callable[[T], None]) -> None:
        while (event := self._queue.get()) is not _END:
            with self.watch.busy():
                handle(event)  # type: ignore[arg-type]  # only put() and end() fill the queue


class SimDevice(Generic[T]):
    """start()/stop() bookkeeping of a sim:// device whose events go through a SimRun.

    The device sets `_lock` (which also guards its own simulated state) and `_run = None`.
    """

    url: str
    name: str
    control_path: str | None
    _lock: threading.Lock
    _run: SimRun[T] | None
    _kind: ClassVar[str]  # its simhub kind
    _noun: ClassVar[str]  # "sim scanner": how errors name it

    def handle_command(self, line: str) -> str:
        raise NotImplementedError

    def stalled_for(self) -> float:
        """How long the run's thread has been in one event (0.0 when waiting or stopped)."""
        run = self._run
        return 0.0 if run is None else run.watch.stalled_for()

    def _begin(self, already_started: str, thread_name: str, handle: Callable[[T], None]) -> None:
        """Start a run; call under `_lock`."""
        if self._run is not None:
            raise DeviceError(already_started)
        self._run = SimRun(self, kind=self._kind, name=self.name, noun=self._noun, url=self.url,
                           control=self.control_path, on_command=self.handle_command,
                           thread_name=thread_name, handle=handle)

    def stop(self) -> None:
        with self._lock:
            run, self._run = self._run, None
            if run is None:
                return
            self._ending()
            run.end()
        run.join()
        self._ended()

    def _ending(self) -> None:
        """The run is ending: under `_lock`, before its last events are delivered."""

    def _ended(self) -> None:
        """The run has ended: its thread is gone."""


def control_param(url: DeviceURL) -> str | None:
    """The `control=` socket path of a sim URL, checked; None without one."""
    control = url.get_str("control")
    if control is not None:
        try:
            check_path(control)
        except DeviceConfigError as exc:
            raise DeviceConfigError(f"{url.raw}: parameter control=: {exc}") from None
    return control


def label_param(url: DeviceURL, key: str, default: str) -> str:
    """A `name=`-like parameter: printable text of 1..64 characters, stripped."""
    value = url.get_str(key, default) or ""
    if not value.strip() or not value.isprintable() or len(value) > 64:
        raise DeviceConfigError(f"{url.raw}: parameter {key}= must be printable text of 1..64 characters")
    return value.strip()


def check_no_location(url: DeviceURL) -> None:
    if url.host or url.path.strip("/") or url.port is not None:
        raise DeviceConfigError(f"{url.raw}: sim:// takes no host or path, only ?parameters")
