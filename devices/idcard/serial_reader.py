"""Read Chinese ID cards from a SAM module on a serial line: `idcard-serial:///dev/ttyUSB1`.

Parameters: ``baudrate`` (default 115200, the modules' factory rate), ``poll`` (seconds
between "find card" requests, default 0.3), ``timeout`` (seconds to wait for the answer to
find or select, default 0.5) and ``read_timeout`` (for the base-info read, which takes the
module up to a second, default 3).

A supervised thread owns the port: it opens it (exclusively) and polls find -> select -> read.
A card is read once per presentation: while it stays on the reader it is not read again; it
must be away for ABSENT_POLLS polls in a row first (one "no card" can be a flicker of the RF
field). A card already on the reader at start() is read; one still there after the port was
reopened is not (it may be the presentation read before the outage).

When the port vanishes the thread reports "ID reader unplugged" and reopens it with capped
backoff. health() is ok while the module answers cleanly, degraded while it sends bad
frames, down while it is silent, missing or unplugged. Garbage on the line never stops the
loop: the decoder resynchronises on the preamble and every request starts afresh.
"""

from __future__ import annotations

import logging
import select
import time
from datetime import UTC, datetime

import serial

from devices.errors import DeviceProtocolError, DeviceTimeout
from devices.events import IdCard
from devices.health import Health, State
from devices.serial_port import baudrate_from, drain, open_port, port_path, translate
from devices.serial_worker import SerialWorker, Stopped, SupervisedSerialDevice
from devices.url import DeviceURL

from . import frame
from .core import BAD_FRAMES, SILENT, UNPLUGGED, BaseIdReader
from .frame import FrameDecoder, Rejected
from .textblock import parse_text, split_read_answer

log = logging.getLogger(__name__)

ABSENT_POLLS = 2  # "no card" answers in a row before a card counts as taken away
SILENT_AFTER = 2  # unanswered requests in a row before health says the module is silent
CLEAN_TO_OK = 3  # clean answers in a row that clear a "bad frames" degradation
_WAIT_SLICE = 0.1  # longest select() wait, so stop() is honoured promptly
_MAX_DISCARD_READS = 4


class SerialIdReader(SupervisedSerialDevice[IdCard], BaseIdReader):
    def __init__(self, url: str, path: str, *, baudrate: int = 115200, poll: float = 0.3,
                 timeout: float = 0.5, read_timeout: float = 3.0) -> None:
        super().__init__(url)
        self.path = path
        self.baudrate = baudrate
        self.poll = poll
        self.timeout = timeout
        self.read_timeout = read_timeout
        self.where = f"ID reader {path}"
        self._worker = SerialWorker(
            where=self.where, noun="ID reader", thread_name=f"id-reader:{path}", unplugged=UNPLUGGED,
            open_port=self._open, talk=self._watch, set_health=self._set_health, log=log,
        )
        self._decoder = FrameDecoder()
        self._reset_run()

    def _reset_run(self) -> None:
        self._presented = False  # the card on the reader has been read
        self._absent = 0
        self._silent = 0
        self._clean = 0
        self._rejected = 0  # bad frames during the current request

    # -- the polling thread ---------------------------------------------------------------------
    def _open(self) -> serial.Serial:
        return open_port(self.path, baudrate=self.baudrate, timeout=0, write_timeout=1.0, what="ID reader")

    def _watch(self, port: serial.Serial) -> None:
        """Poll until stop() or the port fails; health turns ok at the first clean answer."""
        self._silent = 0
        while not self._worker.stopping.is_set():
            self._worker.watch.step()  # one poll (and its card's callback) per step
            self._poll_once(port)
            self._worker.stopping.wait(self.poll)

    def _poll_once(self, port: serial.Serial) -> None:
        """find -> select -> read, stopping at the first step that does not succeed."""
        try:
            self._find_select_read(port)
        except DeviceProtocolError as exc:
            # The message names a status or a field, never the card's content.
            log.warning("%s: %s", self.where, exc)
            self._mark_bad()

    def _find_select_read(self, port: serial.Serial) -> None:
        answer = self._request(port, frame.FIND_CARD, self.timeout, "find card")
        if answer is None:
            return
        sw, _ = answer
        if sw == frame.SW_FIND_FAILED:
            self._absent += 1
            if self._absent >= ABSENT_POLLS:
                self._presented = False
            return
        _expect(sw, frame.SW_FIND_OK, "find card")
        self._absent = 0
        if self._presented:
            return
        answer = self._request(port, frame.SELECT_CARD, self.timeout, "select card")
        if answer is None:
            return
        sw, _ = answer
        if sw == frame.SW_SELECT_FAILED:
            return  # the card moved or is still settling: the next poll tries again
        _expect(sw, frame.SW_OK, "select card")
        answer = self._request(port, frame.READ_BASE, self.read_timeout, "read card")
        if answer is None:
            return
        sw, data = answer
        if sw == frame.SW_READ_FAILED:
            log.info("%s: the module could not read the card; trying again", self.where)
            return
        _expect(sw, frame.SW_OK, "read card")
        card = parse_text(split_read_answer(data), datetime.now(UTC))
        self._presented = True
        self._deliver(card)

    # -- one request and its answer -------------------------------------------------------------
    def _request(self, port: serial.Serial, request: bytes, timeout: float,
                 what: str) -> tuple[int, bytes] | None:
        """Send `request`; (SW3, data) of the answer, or None if it never came (health says so)."""
        self._rejected = 0
        try:
            body = self._exchange(port, request, timeout, what)
        except DeviceTimeout:
            self._silent += 1
            if self._rejected:
                self._mark_bad()
            if self._silent >= SILENT_AFTER:
                self._set_health(Health.down(SILENT + ("; it sends only bad frames (wrong baudrate?)"
                                                       if self._rejected else "")))
            return None
        except DeviceProtocolError:
            self._silent = 0
            raise
        self._silent = 0
        if self._rejected:
            self._mark_bad()
        else:
            self._clean += 1
            current = super().health()
            if current.state is State.DOWN or self._clean >= CLEAN_TO_OK:
                self._set_health(Health.ok(f"watching {self.path}"))
        return body[2], body[3:]

    def _mark_bad(self) -> None:
        self._clean = 0
        self._set_health(Health.degraded(BAD_FRAMES))

    def _exchange(self, port: serial.Serial, request: bytes, timeout: float, what: str) -> bytes:
        where = f"{self.where}: {what}"
        # Whatever is waiting is a late answer to an earlier request, or noise: not ours.
        # Bounded, so a module streaming garbage still gets its request and its timeout.
        for _ in range(_MAX_DISCARD_READS):
            if not drain(port, where):
                break
        self._decoder.reset()
        try:
            port.write(frame.encode(request))
        except (serial.SerialException, OSError, ValueError) as exc:
            raise translate(exc, where) from exc
        deadline = time.monotonic() + timeout
        while True:
            if self._worker.stopping.is_set():
                raise Stopped
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceTimeout(f"{where}: no answer within {timeout} s")
            try:
                select.select([port.fileno()], [], [], min(left, _WAIT_SLICE))
            except (OSError, ValueError) as exc:
                raise translate(exc, where) from exc
            for item in self._decoder.feed(drain(port, where)):
                if isinstance(item, Rejected):
                    # Size and reason only: a cut read answer holds a name and an ID number.
                    log.debug("%s: dropped %d bytes (%s)", where, item.size, item.reason)
                    self._rejected += 1
                    continue
                body = item.body
                if len(body) < 3 or body[0:2] != b"\x00\x00":
                    raise DeviceProtocolError(f"{where}: answer is not 00 00 SW3 ...")
                return body


def _expect(sw: int, wanted: int, what: str) -> None:
    if sw != wanted:
        raise DeviceProtocolError(f"{what} answered with status 00 00 {sw:02X}")


def open_device(url: DeviceURL) -> SerialIdReader:
    url.check_params({"baudrate", "poll", "timeout", "read_timeout"})
    path = port_path(url, "idcard-serial:///dev/ttyUSB1")
    return SerialIdReader(
        url.raw, path,
        baudrate=baudrate_from(url, 115200),
        poll=url.get_float("poll", 0.3, lo=0.01),
        timeout=url.get_float("timeout", 0.5, lo=0.05),
        read_timeout=url.get_float("read_timeout", 3.0, lo=0.1),
    )
