"""pcsc:// card reader: watch one PC/SC reader and report each card presentation once.

Our own supervised loop over SCardGetStatusChange (pyscard's low-level API) instead of
pyscard's CardMonitor, which stops silently on some errors (pyscard issue #82). The loop
survives pcscd restarts and reader unplug/replug by reconnecting with capped backoff,
and health() says why it is down meanwhile.

URL: `pcsc://` watches the first reader pcscd lists (readers appear in the order they were
plugged in / configured); `pcsc://?reader=ACS%20ACR122U` watches the first reader whose
name starts with the given text (case-insensitive).

A card already on the reader when watching begins (at start, or after a reconnect) is not
a tap: it might be the same presentation seen before the outage, and a turnstile must not
open twice for it. It taps once removed and presented again. on_tap runs on the reader
thread; keep it quick or hand the work on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from smartcard import scard

from lobby_core.backoff import Backoff
from lobby_core.masking import mask_uid

from ..base import CardReader
from ..errors import DeviceConfigError, DeviceError, DeviceNotFound, DeviceUnplugged
from ..events import Tap
from ..health import Health
from ..liveness import LoopWatch
from ..url import DeviceURL
from .pcsc_errors import (
    CARD_GONE,
    RETRYABLE,
    SERVICE_DOWN_REASON,
    describe,
    translate,
)
from .uid import MAX_UID_BYTES, MIN_UID_BYTES, uid_from_bytes

log = logging.getLogger(__name__)

GET_UID_APDU = [0xFF, 0xCA, 0x00, 0x00, 0x00]  # PC/SC part 3 GET DATA: the card's UID
SW_OK = [0x90, 0x00]

# Upper bound on one SCardGetStatusChange wait: stop() cancels the wait at once with
# SCardCancel, so this only bounds how long a lost cancel could delay it.
_WAIT_MS = 1000
_READ_ATTEMPTS = 3
_READ_RETRY_S = 0.02
_STOP_JOIN_S = 5.0
_PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
_GONE_STATES = scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_IGNORE
_PRESENT = scard.SCARD_STATE_PRESENT
# `state & _READABLE_MASK == _PRESENT`: a card is there, answers (not mute), reader present.
_READABLE_MASK = _PRESENT | scard.SCARD_STATE_MUTE | _GONE_STATES
_MIN_ANSWER, _MAX_ANSWER = MIN_UID_BYTES + 2, MAX_UID_BYTES + 2  # UID + SW1 SW2
_SUCCESS = scard.SCARD_S_SUCCESS
_SHARED = scard.SCARD_SHARE_SHARED
_LEAVE_CARD = scard.SCARD_LEAVE_CARD
_NOTHING_HAPPENED = (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED)


class _Run:
    """One start()..stop() of the loop. A thread that outlives stop() (stuck in on_tap)
    keeps its own stop flag and context, so it can never disturb the next run."""

    def __init__(self, on_tap: Callable[[Tap], None]) -> None:
        self.on_tap = on_tap
        self.stop = threading.Event()
        self.context: int | None = None  # for SCardCancel from stop()
        self.last_crash = ""
        # Each round of the loop is one step: every wait in it is bounded (_WAIT_MS, the
        # backoff), so a step that lasts seconds is a call that never returned, or on_tap stuck.
        self.watch = LoopWatch()


class PcscCardReader(CardReader):
    def __init__(
        self, url: str, reader_prefix: str | None = None, *, backoff: Backoff | None = None
    ) -> None:
        self.url = url
        self.reader_prefix = reader_prefix
        self.reader_name: str | None = None  # the reader being watched, once found
        self._backoff = backoff or Backoff(0.1, 2.0)
        self._lock = threading.Lock()
        self._health = Health.down("not started")
        self._run: _Run | None = None
        self._thread: threading.Thread | None = None

    # -- CardReader -------------------------------------------------------------------

    def start(self, on_tap: Callable[[Tap], None]) -> None:
        with self._lock:
            if self._run is not None:
                raise DeviceError(f"{self.url}: card reader is already started")
            run = self._run = _Run(on_tap)
            self._health = Health.down("starting")
            self._thread = threading.Thread(target=self._supervise, args=(run,),
                                            name="pcsc-reader", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            run, thread = self._run, self._thread
            self._run = self._thread = None
            self._health = Health.down("stopped")
        if run is None or thread is None:
            return
        run.stop.set()
        if thread is threading.current_thread():
            return  # stop() from inside on_tap: the loop ends when on_tap returns
        deadline = time.monotonic() + _STOP_JOIN_S
        while thread.is_alive() and time.monotonic() < deadline:
            # Repeated because a cancel sent between two waits is lost.
            self._cancel_wait(run)
            thread.join(0.05)
        if thread.is_alive():
            log.warning("card reader thread did not stop within %.0f s (stuck in on_tap?)",
                        _STOP_JOIN_S)

    def stalled_for(self) -> float:
        with self._lock:
            run = self._run
        return 0.0 if run is None else run.watch.stalled_for()

    def health(self) -> Health:
        with self._lock:
            thread, health = self._thread, self._health
        if thread is not None and not thread.is_alive():
            return Health.down("card reader loop stopped unexpectedly")
        return health

    # -- the supervised loop -----------------------------------------------------------

    def _set_health(self, run: _Run, health: Health) -> None:
        with self._lock:
            if run is not self._run:
                return  # a stopped run's last words
            previous, self._health = self._health, health
        if health != previous:
            if health.is_ok:
                log.info("card reader up: %s", health.reason)
            else:
                log.warning("card reader down: %s", health.reason)

    def _supervise(self, run: _Run) -> None:
        while not run.stop.is_set():
            run.watch.step()
            try:
                self._session(run)
            except DeviceError as exc:
                self._set_health(run, Health.down(str(exc)))
            except BaseException as exc:  # even SystemExit from on_tap must not end watching
                crash = f"{type(exc).__name__}: {exc}"
                if crash != run.last_crash:  # the same bug every 2 s would flood the log
                    log.exception("card reader loop failed; restarting it")
                    run.last_crash = crash
                self._set_health(run, Health.down("card reader loop restarting after an error"))
            finally:
                self._release_context(run)
            run.stop.wait(self._backoff.next_delay())
        run.watch.idle()

    def _session(self, run: _Run) -> None:
        """Connect, find the reader, watch it until stop() or until something breaks."""
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise DeviceNotFound(SERVICE_DOWN_REASON)
        run.context = context
        reader = self._pick_reader(context)
        known = self._wait(context, reader, scard.SCARD_STATE_UNAWARE, 0)
        # Skip a card that is already there (see the module docstring).
        handled = known >> 16 if known & _READABLE_MASK == _PRESENT else None
        self.reader_name = reader
        self._set_health(run, Health.ok(f"watching {reader}"))
        self._backoff.reset()
        run.last_crash = ""
        self._watch(run, reader, known, handled)

    def _watch(self, run: _Run, reader: str, known: int, handled: int | None) -> None:
        """Wait for cards and tap each presentation once.

        This is the latency path bench/bench_card.py measures against a bare PC/SC read:
        after pcscd reports a card, read it first and do the bookkeeping afterwards.

        pcsc-lite counts insertions and removals in the upper 16 bits of the event state,
        so a card removed and presented again between two waits still counts as new,
        while state changes caused by our own connect (INUSE) do not.
        """
        # Bound to locals: each lookup costs on a cold cache, and this is the tap latency.
        get_status_change, connect = scard.SCardGetStatusChange, scard.SCardConnect
        transmit, disconnect = scard.SCardTransmit, scard.SCardDisconnect
        context, stop, on_tap, step = run.context, run.stop, run.on_tap, run.watch.step
        while not stop.is_set():
            step()
            hresult, states = get_status_change(context, _WAIT_MS, [(reader, known)])
            if hresult != _SUCCESS:
                if hresult in _NOTHING_HAPPENED:
                    continue
                raise translate(hresult, "watching the reader")
            _, event, atr = states[0]
            if event & _READABLE_MASK == _PRESENT and event >> 16 != handled:
                at = datetime.now(UTC)
                handled = event >> 16
                # The usual read inline; anything unusual goes to _read_uid_again.
                uid = None
                hresult, card, protocol = connect(context, reader, _SHARED, _PROTOCOLS)
                response: list[int] = []
                if hresult == _SUCCESS:
                    try:
                        hresult, response = transmit(card, protocol, GET_UID_APDU)
                    finally:
                        disconnect(card, _LEAVE_CARD)
                    n = len(response)
                    if hresult == _SUCCESS and _MIN_ANSWER <= n <= _MAX_ANSWER and (
                        response[n - 2:] == SW_OK
                    ):
                        uid = bytes(response[: n - 2]).hex().upper()
                if uid is None:
                    uid = self._read_uid_again(run, reader, hresult, response)
                if uid is not None and not stop.is_set():
                    tap = Tap(uid=uid, atr=bytes(atr).hex().upper(), reader=reader, at=at)
                    # deliver() inlined for the same reason.
                    try:
                        on_tap(tap)
                    except Exception:
                        log.exception("tap handler failed for card %s", mask_uid(uid))
                    else:
                        log.debug("card tap %s on %s", mask_uid(uid), reader)
            elif event & _GONE_STATES:
                raise DeviceUnplugged("reader unplugged")
            known = event & ~scard.SCARD_STATE_CHANGED

    def _pick_reader(self, context: int) -> str:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE or (
            hresult == scard.SCARD_S_SUCCESS and not readers
        ):
            raise DeviceNotFound(self._no_reader_reason())
        if hresult != scard.SCARD_S_SUCCESS:
            raise translate(hresult, "listing readers")
        if self.reader_prefix is None:
            return readers[0]
        wanted = self.reader_prefix.casefold()
        for name in readers:
            if name.casefold().startswith(wanted):
                return name
        raise DeviceNotFound(self._no_reader_reason())

    def _no_reader_reason(self) -> str:
        if self.reader_prefix is None:
            return "no card reader connected"
        return f"no reader matching {self.reader_prefix!r}"

    def _wait(self, context: int, reader: str, known: int, timeout_ms: int) -> int:
        """Block until the reader's state differs from `known`; return the new state."""
        hresult, states = scard.SCardGetStatusChange(context, timeout_ms, [(reader, known)])
        if hresult in _NOTHING_HAPPENED:
            return known
        if hresult != scard.SCARD_S_SUCCESS:
            raise translate(hresult, "watching the reader")
        event = states[0][1]
        if event & _GONE_STATES:
            raise DeviceUnplugged("reader unplugged")
        return event & ~scard.SCARD_STATE_CHANGED

    def _read_uid_again(
        self, run: _Run, reader: str, hresult: int, response: list[int]
    ) -> str | None:
        """Make sense of a read that did not go as usual; retry while that can help."""
        for attempt in range(1, _READ_ATTEMPTS + 1):
            if attempt > 1:
                hresult, card, protocol = scard.SCardConnect(
                    run.context, reader, _SHARED, _PROTOCOLS
                )
                if hresult == _SUCCESS:
                    try:
                        hresult, response = scard.SCardTransmit(card, protocol, GET_UID_APDU)
                    finally:
                        scard.SCardDisconnect(card, _LEAVE_CARD)
            if hresult == _SUCCESS:
                return self._uid_from_response(list(response))
            if hresult in CARD_GONE:
                log.debug("card left before its UID was read (%s)", describe(hresult))
                return None
            if hresult in RETRYABLE and attempt < _READ_ATTEMPTS:
                if run.stop.wait(_READ_RETRY_S):
                    return None
                continue
            error = translate(hresult, "reading the card UID")
            if isinstance(error, DeviceNotFound | DeviceUnplugged):
                raise error
            log.warning("card not read: %s", error)
            return None
        return None

    @staticmethod
    def _uid_from_response(response: list[int]) -> str | None:
        if len(response) < 2:
            # vpcd and some readers answer an APDU cut short by the card leaving with
            # nothing at all rather than an error.
            log.debug("card left during the UID read (empty answer)")
            return None
        if response[-2:] != SW_OK:
            log.info("card refused GET UID (SW %02X%02X); not a tap", *response[-2:])
            return None
        try:
            return uid_from_bytes(bytes(response[:-2]))
        except DeviceError as exc:
            log.warning("card gave an unusable UID: %s", exc)
            return None

    @staticmethod
    def _cancel_wait(run: _Run) -> None:
        context = run.context
        if context is not None:
            try:
                scard.SCardCancel(context)
            except Exception:  # a context released under us; stop() only needs a wake-up
                log.debug("SCardCancel failed", exc_info=True)

    @staticmethod
    def _release_context(run: _Run) -> None:
        context, run.context = run.context, None
        if context is not None:
            try:
                scard.SCardReleaseContext(context)
            except Exception:  # the daemon may already be gone; nothing left to release
                log.debug("SCardReleaseContext failed", exc_info=True)


def open_device(url: DeviceURL) -> PcscCardReader:
    url.check_params({"reader"})
    if url.host or url.path.strip("/") or url.port is not None:
        raise DeviceConfigError(
            f"{url.raw}: pcsc:// takes no host or path; pick a reader with ?reader=NAME"
        )
    reader = url.get_str("reader")
    if reader is not None:
        reader = reader.strip()
        if not reader:
            raise DeviceConfigError(f"{url.raw}: parameter reader= is empty")
        if not reader.isprintable() or len(reader) > 128:
            raise DeviceConfigError(
                f"{url.raw}: parameter reader= must be printable text of at most 128 characters"
            )
    return PcscCardReader(url.raw, reader)
