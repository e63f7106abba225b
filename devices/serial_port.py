"""Open serial ports exclusively and turn pyserial's failures into our DeviceError types.

Shared by the serial drivers (relay boards, and any other driver that wants it):

- `open_port(path, ...)` opens with ``exclusive=True`` (a second process, or a second driver in
  this one, gets a clear "in use" error instead of interleaved bytes) and says *why* an open
  failed: missing node, permission, in use, not a serial device.
- `translate(exc, where)` maps an exception raised while talking to an open port.
- `drain(port)` reads whatever is waiting without blocking and notices a port that reports
  readiness to read but returns no data: on Linux that is how an unplugged USB adapter (or a
  pty whose other end went away) looks.
"""

from __future__ import annotations

import errno
import os
import select

import serial

from .errors import DeviceConfigError, DeviceError, DeviceNotFound, DeviceTimeout, DeviceUnplugged
from .url import DeviceURL

# The rates USB-serial chips and the boards we drive accept; anything else is a typo.
BAUDRATES = (1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800, 921600)

# pyserial's wording for a read that select() said was ready but returned nothing.
_HANGUP_TEXT = "readiness to read but returned no data"
_GONE_ERRNOS = {errno.EIO, errno.ENXIO, errno.ENODEV, errno.EBADF, errno.EPIPE, errno.ENOENT}


def port_path(url: DeviceURL, example: str) -> str:
    """The device node of a `scheme:///dev/ttyUSB0` URL, or a DeviceConfigError."""
    if url.host:
        raise DeviceConfigError(f"{url.raw}: use three slashes, e.g. {example}")
    if not url.path or not url.path.startswith("/") or url.path == "/":
        raise DeviceConfigError(f"{url.raw}: no serial port; use e.g. {example}")
    if "\x00" in url.path:
        raise DeviceConfigError(f"{url.raw}: the port path contains a NUL byte")
    return url.path


def baudrate_from(url: DeviceURL, default: int = 9600) -> int:
    rate = url.get_int("baudrate", default)
    if rate not in BAUDRATES:
        raise DeviceConfigError(
            f"{url.raw}: baudrate={rate} is not a standard rate; use one of "
            f"{', '.join(map(str, BAUDRATES))}"
        )
    return rate


def open_port(path: str, *, baudrate: int, timeout: float | None,
              write_timeout: float | None = None, what: str = "serial device") -> serial.Serial:
    """Open `path` 8N1 with an exclusive lock; every failure is a DeviceError naming the cause."""
    try:
        return serial.Serial(port=path, baudrate=baudrate, timeout=timeout,
                             write_timeout=write_timeout, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise _open_error(path, exc, what) from exc


def _open_error(path: str, exc: BaseException, what: str) -> DeviceError:
    code = getattr(exc, "errno", None)
    text = str(exc)
    if "exclusively lock" in text or code in (errno.EBUSY, errno.EAGAIN):
        return DeviceNotFound(f"{what} {path} is in use by another program (exclusive lock held)")
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return DeviceNotFound(f"{what} {path} not found (is it plugged in?)")
    if code in (errno.EACCES, errno.EPERM):
        return DeviceConfigError(
            f"{what} {path}: permission denied (is the kiosk user in the dialout group?)"
        )
    if "configure port" in text or code == errno.ENOTTY:
        return DeviceConfigError(f"{what} {path} is not a serial port")
    if isinstance(exc, ValueError):
        return DeviceConfigError(f"{what} {path}: bad port settings ({exc})")
    return DeviceNotFound(f"{what} {path} cannot be opened ({type(exc).__name__}: {exc})")


def is_unplugged(exc: BaseException) -> bool:
    """True for the errors a vanished device gives (as opposed to a slow or confused one)."""
    if isinstance(exc, serial.SerialTimeoutException):
        return False
    if isinstance(exc, serial.PortNotOpenError) or _HANGUP_TEXT in str(exc):
        return True
    if getattr(exc, "errno", None) in _GONE_ERRNOS:
        return True
    # pyserial wraps the OSError of a failed read/write in a SerialException whose text
    # carries the errno ("read failed: [Errno 5] Input/output error").
    return isinstance(exc, serial.SerialException) and any(
        f"[Errno {code}]" in str(exc) for code in _GONE_ERRNOS
    )


def translate(exc: BaseException, where: str) -> DeviceError:
    """Map an exception raised while using an open port to our own error type."""
    if isinstance(exc, DeviceError):
        return exc
    if isinstance(exc, serial.SerialTimeoutException):
        return DeviceTimeout(f"{where}: write timed out (flow control stuck or port wedged)")
    if is_unplugged(exc):
        return DeviceUnplugged(f"{where}: port gone (unplugged?)")
    return DeviceError(f"{where}: serial error ({type(exc).__name__}: {exc})")


def drain(port: serial.Serial, where: str, limit: int = 4096) -> bytes:
    """Read up to `limit` waiting bytes without blocking; DeviceUnplugged if the port hung up.

    select() + os.read() on the port's descriptor rather than pyserial's read(): changing
    pyserial's timeout to 0 and back re-applies termios settings twice per call.
    """
    try:
        ready, _, _ = select.select([port.fileno()], [], [], 0)
        if not ready:
            return b""
        data = os.read(port.fileno(), limit)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise translate(exc, where) from exc
    if not data:
        raise DeviceUnplugged(f"{where}: port gone (ready to read but no data: unplugged?)")
    return data
