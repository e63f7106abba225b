"""lcus:// relay: an LCUS-type USB relay board (CH340 serial chip, LCUS-1/2/4/8) via pyserial.

URL: ``lcus:///dev/ttyUSB0?baudrate=9600&channels=1``

Wire format, one 4-byte frame per command, nothing comes back:
``A0 <relay> <op> <checksum>`` with relay 1-based on the wire, op 01 = on / 00 = off, and
checksum = (A0 + relay + op) & FF. Our API's channel 0 is wire relay 1 (so channel N drives the
relay labelled N+1 on the board, the same 0-based numbering as modbus-rtu://). Examples:
channel 0 on = ``A0 01 01 A2``, channel 0 off = ``A0 01 00 A1``.

The board cannot report its relays, so read() returns the state we last commanded (all off
after open); each write is drained to the line (tcdrain) before the call returns. The board has
no pulse timer of its own: pulse() is on -> hold -> off with the off guaranteed (guarded.py).
Bytes arriving from the board (it should send none) are discarded before each command; an
unplug is noticed when writing or draining fails, or when the port reports readiness to read
but returns no data.
"""

from __future__ import annotations

import serial

from .. import serial_port
from ..errors import DeviceConfigError, DeviceUnplugged
from ..url import DeviceURL
from .guarded import GuardedRelay, channels_from

HEADER = 0xA0
OP_OFF = 0x00
OP_ON = 0x01
MAX_CHANNELS = 8
WRITE_TIMEOUT = 1.0


def frame(channel: int, on: bool) -> bytes:
    """The LCUS frame switching our 0-based `channel` (wire relay channel + 1)."""
    if not 0 <= channel < 255:
        raise DeviceConfigError(f"LCUS relay channel {channel} cannot be encoded")
    relay = channel + 1
    op = OP_ON if on else OP_OFF
    return bytes((HEADER, relay, op, (HEADER + relay + op) & 0xFF))


class LcusRelay(GuardedRelay):
    def __init__(self, url: str, path: str, *, baudrate: int, channels: int) -> None:
        super().__init__(url, path, channels)
        self.path = path
        self.baudrate = baudrate
        self._port: serial.Serial | None = None
        self._state = [False] * channels

    def _describe(self) -> str:
        return f"{self.channels} channel(s) on {self.path} (LCUS, no read-back on this board)"

    def _connect(self) -> None:
        self._port = serial_port.open_port(self.path, baudrate=self.baudrate, timeout=0,
                                           write_timeout=WRITE_TIMEOUT, what="relay board port")

    def _disconnect(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            port.close()

    def _send(self, data: bytes) -> None:
        port = self._port
        where = f"relay board port {self.path}"
        if port is None:
            raise DeviceUnplugged(f"{where}: not open")
        serial_port.drain(port, where)  # discard stray input; raises if the port hung up
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as exc:
            raise serial_port.translate(exc, where) from exc

    def _write(self, channel: int, on: bool) -> None:
        self._send(frame(channel, on))
        self._state[channel] = on

    def _read(self, channel: int) -> bool:
        return self._state[channel]

    def _write_all_off(self) -> None:
        self._send(b"".join(frame(ch, False) for ch in range(self.channels)))
        self._state = [False] * self.channels

    def _probe(self) -> None:
        if self._port is not None:
            serial_port.drain(self._port, f"relay board port {self.path}")


def open_device(url: DeviceURL) -> LcusRelay:
    url.check_params({"baudrate", "channels"})
    relay = LcusRelay(
        url.raw, serial_port.port_path(url, "lcus:///dev/ttyUSB0"),
        baudrate=serial_port.baudrate_from(url),
        channels=channels_from(url, 1, MAX_CHANNELS),
    )
    relay.open()
    return relay
