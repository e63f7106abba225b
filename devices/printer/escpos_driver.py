"""Print visitor slips on a real ESC/POS thermal printer over serial, USB, TCP or a device file.

URLs::

    escpos-serial:///dev/ttyS0?baudrate=19200
    escpos-usb://04b8:0202?in_ep=0x82&out_ep=0x01     (vendor:product id in hex)
    escpos-net://192.168.1.50:9100
    escpos-file:///dev/usb/lp0

Common parameters: ``paper=58|80`` (mm, default 58: centres the QR code), ``charset=gb18030|gbk|
ascii`` and ``text=native|raster`` (raster draws the text as images, for printers without a
Chinese font; see devices.printer.layout), ``timeout`` (seconds, default 5), ``status=1|0`` and
``status_timeout`` (seconds, default 1).

Every job opens the connection, sends the whole slip in one write and closes it again: a
printer that was switched off or replugged between visitors is found again without any
reconnect logic, and port-9100 printers expect one job per connection anyway.

On the two-way transports (serial, USB, TCP) the job first asks the paper sensor (DLE EOT 4).
No paper raises PaperOut before anything is printed; no answer raises DeviceTimeout, because on
a serial line that is the only sign the printer is off. For a model that never answers status
queries, set ``status=0``. ``escpos-file://`` is one-way: health can only see the device node.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import stat
import threading
from abc import ABC, abstractmethod

import serial
import usb.core
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError as EscposDeviceNotFound
from escpos.printer import File, Network, Usb
from escpos.printer import Serial as EscposSerial

from devices.base import Printer
from devices.errors import (
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceProtocolError,
    DeviceTimeout,
    DeviceUnplugged,
    PaperOut,
)
from devices.events import Slip
from devices.health import Health, State
from devices.serial_port import baudrate_from, open_port, port_path
from devices.url import DeviceURL

from .layout import LAYOUT_PARAMS, LayoutOptions, render
from .status import QUERY_PAPER, paper_health

log = logging.getLogger(__name__)

USB_ABSENT = "not connected; is it switched on and plugged in?"
COMMON_PARAMS = LAYOUT_PARAMS | {"timeout", "status", "status_timeout"}


def _reason(exc: BaseException | None) -> str:
    """A short human reason from a library exception (no traceback, first line only)."""
    if exc is None:
        return "unknown error"
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return "no such device"
    if code == errno.EACCES:
        return "permission denied (is the kiosk user in the dialout/lp group?)"
    if code in (errno.EBUSY, errno.EAGAIN):
        return "in use by another program"
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, serial.SerialException):
        return exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Transport(ABC):
    """How bytes reach one kind of printer; methods raise the library's own exceptions."""

    where: str
    bidirectional: bool = True

    @abstractmethod
    def connect(self) -> Escpos: ...

    def prepare(self, p: Escpos, size: int) -> None:  # noqa: B027 - most transports need nothing
        """Adjust the connection for a write of `size` bytes."""

    def ask(self, p: Escpos, query: bytes, wait: float) -> bytes:
        """Send a real-time query and return whatever answered within `wait` seconds."""
        raise NotImplementedError

    def absent(self) -> str | None:
        """Why the printer is certainly not there, checked without opening it; else None."""
        return None


class SerialTransport(Transport):
    def __init__(self, path: str, baudrate: int, timeout: float) -> None:
        self.path, self.baudrate, self.timeout = path, baudrate, timeout
        self.where = f"serial port {path}"

    def connect(self) -> Escpos:
        p = EscposSerial(devfile=self.path, baudrate=self.baudrate, timeout=self.timeout, dsrdtr=False)
        # python-escpos opens the port without exclusive=True and without a write timeout;
        # we open it ourselves so a second process cannot interleave bytes into a slip and a
        # stalled line cannot block a job forever.
        p.device = open_port(
            self.path,
            baudrate=self.baudrate,
            timeout=self.timeout,
            write_timeout=self.timeout,
            what="printer on serial port",
        )
        return p

    def prepare(self, p: Escpos, size: int) -> None:
        # The whole slip goes in one write; allow its wire time (10 bits a byte) on top.
        p.device.write_timeout = self.timeout + size * 10 / self.baudrate

    def ask(self, p: Escpos, query: bytes, wait: float) -> bytes:
        port: serial.Serial = p.device
        port.reset_input_buffer()
        port.write(query)
        port.timeout = wait
        try:
            return port.read(1)
        finally:
            port.timeout = self.timeout

    def absent(self) -> str | None:
        return None if os.path.exists(self.path) else "no such device"


class NetTransport(Transport):
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.where = f"network printer {host}:{port}"

    def connect(self) -> Escpos:
        p = Network(host=self.host, port=self.port, timeout=self.timeout)
        p.open()
        return p

    def ask(self, p: Escpos, query: bytes, wait: float) -> bytes:
        sock: socket.socket = p.device
        sock.sendall(query)
        sock.settimeout(wait)
        try:
            reply = sock.recv(16)
        except TimeoutError:
            return b""
        finally:
            sock.settimeout(self.timeout)
        if not reply:
            raise ConnectionAbortedError(errno.ECONNABORTED, "the printer closed the connection")
        return reply


class FileTransport(Transport):
    bidirectional = False

    def __init__(self, path: str) -> None:
        self.path = path
        self.where = f"device file {path}"

    def connect(self) -> Escpos:
        # python-escpos opens with "wb", which would quietly create a plain file where the
        # device node should be (say /dev/usb/lp0 while the printer is unplugged).
        why = self.absent()
        if why:
            raise DeviceNotFound(f"printer not found: {self.where} ({why})")
        p = File(devfile=self.path)
        p.open()
        return p

    def absent(self) -> str | None:
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            return "no such device"
        except OSError as exc:
            return _reason(exc)
        if stat.S_ISDIR(mode):
            return "is a directory"
        if not os.access(self.path, os.W_OK):
            return "permission denied (is the kiosk user in the lp group?)"
        return None


class UsbTransport(Transport):
    def __init__(self, vid: int, pid: int, in_ep: int, out_ep: int, timeout: float) -> None:
        self.vid, self.pid, self.in_ep, self.out_ep = vid, pid, in_ep, out_ep
        self.timeout_ms = max(1, int(timeout * 1000))
        self.where = f"USB printer {vid:04x}:{pid:04x}"

    def connect(self) -> Escpos:
        p = Usb(
            idVendor=self.vid,
            idProduct=self.pid,
            timeout=self.timeout_ms,
            in_ep=self.in_ep,
            out_ep=self.out_ep,
        )
        p.open()
        return p

    def ask(self, p: Escpos, query: bytes, wait: float) -> bytes:
        p._raw(query)
        try:
            return bytes(p.device.read(self.in_ep, 16, max(1, int(wait * 1000))))
        except usb.core.USBTimeoutError:
            return b""

    def absent(self) -> str | None:
        if usb.core.find(idVendor=self.vid, idProduct=self.pid) is None:
            return USB_ABSENT
        return None


def _usb_ids(url: DeviceURL) -> tuple[int, int]:
    netloc = url.netloc
    vid_s, sep, pid_s = netloc.partition(":")
    try:
        if not sep:
            raise ValueError
        vid, pid = int(vid_s, 16), int(pid_s, 16)
    except ValueError:
        raise DeviceConfigError(
            f"{url.raw}: expected escpos-usb://VID:PID with hex ids, e.g. escpos-usb://04b8:0202"
        ) from None
    if not (0 <= vid <= 0xFFFF and 0 <= pid <= 0xFFFF):
        raise DeviceConfigError(f"{url.raw}: USB vendor and product ids are 4 hex digits each")
    return vid, pid


def transport_for(url: DeviceURL) -> Transport:
    timeout = url.get_float("timeout", 5.0, lo=0.1)
    if url.scheme == "escpos-serial":
        url.check_params(COMMON_PARAMS | {"baudrate"})
        path = port_path(url, "escpos-serial:///dev/ttyS0")
        return SerialTransport(path, baudrate_from(url), timeout)
    if url.scheme == "escpos-net":
        url.check_params(COMMON_PARAMS)
        if not url.host:
            raise DeviceConfigError(f"{url.raw}: no host; use escpos-net://HOST:9100")
        return NetTransport(url.host, url.port or 9100, timeout)
    if url.scheme == "escpos-file":
        url.check_params(COMMON_PARAMS)
        if not url.path:
            raise DeviceConfigError(f"{url.raw}: no device file; use escpos-file:///dev/usb/lp0")
        return FileTransport(url.path)
    if url.scheme == "escpos-usb":
        url.check_params(COMMON_PARAMS | {"in_ep", "out_ep"})
        vid, pid = _usb_ids(url)
        in_ep = url.get_int("in_ep", 0x82, lo=0x81, hi=0x8F)
        out_ep = url.get_int("out_ep", 0x01, lo=0x01, hi=0x0F)
        return UsbTransport(vid, pid, in_ep, out_ep, timeout)
    raise DeviceConfigError(f"{url.raw}: not an ESC/POS printer URL")


class EscposPrinter(Printer):
    def __init__(self, url: DeviceURL, transport: Transport) -> None:
        self.url = url.raw
        self.transport = transport
        self.layout = LayoutOptions.from_url(url)
        wants_status = url.get_bool("status", True)  # parsed (and checked) for every transport
        self.query_status = transport.bidirectional and wants_status
        self.status_timeout = url.get_float("status_timeout", 1.0, lo=0.05)
        self._lock = threading.Lock()
        self._last = Health.ok("not checked yet")
        self._failure: str | None = None  # the last job's error, until a job succeeds

    # -- errors -------------------------------------------------------------------------------
    def _translate(self, exc: BaseException, *, opening: bool) -> DeviceError:
        where = self.transport.where
        if isinstance(exc, DeviceError):
            return exc
        if isinstance(exc, usb.core.NoBackendError):
            return DeviceNotFound(f"printer not found: {where} (libusb-1.0 is not installed)")
        if isinstance(exc, EscposDeviceNotFound):
            # python-escpos hides the real cause in the exception context.
            cause = exc.__context__
            if isinstance(self.transport, UsbTransport) and isinstance(cause, AssertionError):
                return DeviceNotFound(f"printer not found: {where} ({USB_ABSENT})")
            return DeviceNotFound(f"printer not found: {where} ({_reason(cause)})")
        if isinstance(exc, serial.SerialTimeoutException | TimeoutError | usb.core.USBTimeoutError):
            return DeviceTimeout(f"printer did not take the data in time: {where}")
        if opening:
            return DeviceNotFound(f"printer not found: {where} ({_reason(exc)})")
        if isinstance(exc, serial.SerialException | OSError | usb.core.USBError):
            return DeviceUnplugged(f"printer connection lost: {where} ({_reason(exc)})")
        return DeviceProtocolError(f"printer error on {where}: {type(exc).__name__}: {exc}")

    def _connect(self) -> Escpos:
        try:
            return self.transport.connect()
        except Exception as exc:
            raise self._translate(exc, opening=True) from exc

    @staticmethod
    def _disconnect(p: Escpos) -> None:
        try:
            p.close()
        except Exception as exc:  # the job is over either way; a failing close must not mask it
            log.debug("closing printer connection failed: %s", type(exc).__name__)
        # python-escpos closes again from __del__; mark it closed so that is a no-op.
        p._device = False

    def _paper(self, p: Escpos) -> Health:
        try:
            reply = self.transport.ask(p, QUERY_PAPER, self.status_timeout)
        except Exception as exc:
            raise self._translate(exc, opening=False) from exc
        health = paper_health(reply)
        if health is None:
            raise DeviceTimeout(
                f"printer did not answer a status query within {self.status_timeout:g} s: "
                f"{self.transport.where} (switched off? for a model that never answers, add status=0)"
            )
        return health

    # -- Printer API --------------------------------------------------------------------------
    def print_slip(self, slip: Slip) -> None:
        data = render(slip, self.layout)  # a bad slip fails before the printer is touched
        with self._lock:
            try:
                p = self._connect()
                try:
                    paper = self._paper(p) if self.query_status else Health.ok()
                    if paper.state is State.DOWN:
                        raise PaperOut(f"printer is out of paper, nothing printed: {self.transport.where}")
                    try:
                        self.transport.prepare(p, len(data))
                        p._raw(data)
                    except Exception as exc:
                        raise self._translate(exc, opening=False) from exc
                    self._last = paper
                    self._failure = None
                finally:
                    self._disconnect(p)
            except DeviceError as exc:
                self._last = Health.down(str(exc))
                self._failure = str(exc)
                raise

    def health(self) -> Health:
        # A print job in progress answers for the printer; don't queue behind it.
        if not self._lock.acquire(timeout=0.05):
            return self._last
        try:
            self._last = self._probe()
            return self._last
        finally:
            self._lock.release()

    def _probe(self) -> Health:
        try:
            why = self.transport.absent()
        except Exception as exc:
            return Health.down(str(self._translate(exc, opening=True)))
        if why:
            return Health.down(f"printer not found: {self.transport.where} ({why})")
        # USB: opening resets the device, too heavy for a health poll, so presence is enough.
        # A serial port that exists says nothing about the printer unless it answers a query.
        # These blind probes cannot see a printer that fails jobs, so the last failure shows.
        blind = isinstance(self.transport, FileTransport | UsbTransport) or (
            isinstance(self.transport, SerialTransport) and not self.query_status
        )
        if blind:
            if self._failure is not None:
                return Health.degraded(f"last slip failed: {self._failure}")
            return Health.ok()
        try:
            p = self._connect()
            try:
                return self._paper(p) if self.query_status else Health.ok()
            finally:
                self._disconnect(p)
        except DeviceError as exc:
            return Health.down(str(exc))

    def close(self) -> None:
        """Nothing stays open between jobs."""


def open_device(url: DeviceURL) -> EscposPrinter:
    return EscposPrinter(url, transport_for(url))
