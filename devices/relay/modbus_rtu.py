"""modbus-rtu:// relay: a Waveshare-style Modbus RTU relay board on a serial line (pymodbus).

URL: ``modbus-rtu:///dev/ttyUSB0?unit=1&baudrate=9600&flash=1&channels=8&timeout=0.5``

- ``unit`` Modbus device id, 1..247 (default 1); ``baudrate`` (default 9600);
  ``channels`` relays on the board (default 8); ``timeout`` seconds to wait for an answer
  (default 0.5).
- Channel N is coil address N (0-based, as printed on Waveshare boards: CH1 = coil 0).
- ``flash=1`` (default 0): the board times pulses itself, so a kiosk crash mid-pulse cannot
  leave the turnstile open. Use it on boards that support Waveshare's flash commands.

What goes on the wire (RTU frame: unit, function, data, CRC-16 low byte first):

- switch: function 05, address = channel, value FF00 (on) / 0000 (off); e.g. unit 1 channel 0
  on = ``01 05 00 00 FF 00 8C 3A``. The board echoes the request, which we check, then we read
  the coil back (function 01, one coil) and raise DeviceProtocolError if it disagrees.
- pulse with flash=1: function 05, address = ``0x02 << 8 | channel`` ("flash on"), value =
  pulse length in 100 ms units, rounded to the nearest unit (at least 1); e.g. unit 1
  channel 0 for 700 ms = ``01 05 02 00 00 07 8D B0``. The board's exact echo (address and
  value) is the confirmation: no read-back, because by the time it arrived a short pulse may
  already be over. pulse() returns once the board has acknowledged; the board switches off.
- pulse without flash: on as above, hold, off as above, the off guaranteed (see guarded.py).
- all off: function 15 from coil 0 for `channels` coils, all zero, then read back.
- health(): function 01 over all channels (one exchange).

Errors: no answer within ``timeout`` -> DeviceTimeout; bytes that are not a valid answer, a
Modbus exception reply, or a read-back that disagrees -> DeviceProtocolError; the port
vanishing -> DeviceUnplugged (the port is reopened, with backoff, on the next operation).
"""

from __future__ import annotations

import logging
import struct

import serial
from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerType
from pymodbus.pdu import ModbusPDU
from pymodbus.pdu.bit_message import (
    ReadCoilsRequest,
    ReadCoilsResponse,
    WriteMultipleCoilsRequest,
    WriteMultipleCoilsResponse,
)

from .. import serial_port
from ..errors import DeviceConfigError, DeviceProtocolError, DeviceTimeout, DeviceUnplugged
from ..url import DeviceURL
from .guarded import GuardedRelay, channels_from

COIL_ON = 0xFF00
COIL_OFF = 0x0000
FLASH_ON = 0x02  # Waveshare: address high byte 0x02 = "flash on" (relay on, then off after delay)
FLASH_UNIT_MS = 100
MAX_CHANNELS = 256  # the flash address keeps the channel in one byte
MAX_TIMEOUT = 10.0

# pymodbus logs each failed exchange at ERROR with a dump of the last frames; this driver raises
# its own errors and the kiosk logs those, so only pymodbus's critical messages are kept.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


class CoilWrite(ModbusPDU):
    """Function 05 with its raw 16-bit value (pymodbus's own class only knows FF00/0000).

    Used both ways on the client: as the request (switch or flash) and to decode the board's
    echo, so the echo can be compared with what was sent, value included.
    """

    function_code = 5
    rtu_frame_size = 8

    def __init__(self, address: int = 0, value: int = 0, dev_id: int = 0,
                 transaction_id: int = 0) -> None:
        super().__init__(dev_id=dev_id, transaction_id=transaction_id, address=address)
        self.value = value

    def encode(self) -> bytes:
        return struct.pack(">HH", self.address, self.value)

    def decode(self, data: bytes) -> None:
        self.address, self.value = struct.unpack(">HH", data[:4])


def flash_units(ms: int) -> int:
    """Pulse length in the board's 100 ms units: nearest unit, at least one."""
    return max(1, (ms + FLASH_UNIT_MS // 2) // FLASH_UNIT_MS)


class ModbusRtuRelay(GuardedRelay):
    def __init__(self, url: str, path: str, *, unit: int, baudrate: int, channels: int,
                 timeout: float, flash: bool) -> None:
        super().__init__(url, path, channels)
        self.path = path
        self.unit = unit
        self.baudrate = baudrate
        self.timeout = timeout
        self.board_timed_pulse = flash
        self._client: ModbusSerialClient | None = None
        self._rx = b""

    def _describe(self) -> str:
        mode = "board-timed pulses" if self.board_timed_pulse else "software-timed pulses"
        return f"{self.channels} channel(s) on {self.path} (unit {self.unit}, {mode})"

    # -- link --------------------------------------------------------------------------------------
    def _connect(self) -> None:
        port = serial_port.open_port(self.path, baudrate=self.baudrate, timeout=self.timeout,
                                     write_timeout=self.timeout, what="relay board port")
        client = ModbusSerialClient(
            self.path, framer=FramerType.RTU, baudrate=self.baudrate, timeout=self.timeout,
            retries=0, trace_packet=self._trace,
        )
        # We open the port ourselves and hand it to pymodbus: its connect() logs and swallows
        # the reason an open failed, and we want "not found" apart from "in use by another".
        port.inter_byte_timeout = client.inter_byte_timeout or None
        client.socket = port
        client.register(CoilWrite)
        self._client = client

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if not sending:
            self._rx = data  # the receive buffer so far; kept to tell garbage from silence
        return data

    def _exchange(self, request: ModbusPDU, what: str) -> ModbusPDU:
        client = self._client
        if client is None or client.socket is None:
            # Never let pymodbus reopen the port behind our back (execute() would).
            raise DeviceUnplugged(f"relay board port {self.path}: not open")
        request.dev_id = self.unit
        self._rx = b""
        try:
            response = client.execute(False, request)
        except ConnectionException as exc:
            raise DeviceUnplugged(f"relay board port {self.path}: port gone (unplugged?)") from exc
        except ModbusIOException as exc:
            if self._rx:
                raise DeviceProtocolError(
                    f"relay board on {self.path}: {what}: unit {self.unit} answered with bytes "
                    f"that are not a valid reply: {self._rx[:24].hex(' ')}"
                ) from exc
            raise DeviceTimeout(
                f"relay board on {self.path}: {what}: no answer from unit {self.unit} within "
                f"{self.timeout:g} s (board powered and wired? right unit and baudrate?)"
            ) from exc
        except ModbusException as exc:
            raise DeviceProtocolError(f"relay board on {self.path}: {what}: {exc}") from exc
        except (serial.SerialException, OSError) as exc:
            raise serial_port.translate(exc, f"relay board port {self.path}") from exc
        except (ValueError, struct.error, IndexError) as exc:
            raise DeviceProtocolError(
                f"relay board on {self.path}: {what}: undecodable reply ({exc})"
            ) from exc
        if response is None:
            raise DeviceTimeout(f"relay board on {self.path}: {what}: no answer")
        if response.isError():
            raise DeviceProtocolError(
                f"relay board on {self.path}: {what}: unit {self.unit} refused it "
                f"(Modbus exception code {getattr(response, 'exception_code', '?')})"
            )
        return response

    def _write_coil(self, address: int, value: int, what: str) -> None:
        echo = self._exchange(CoilWrite(address=address, value=value), what)
        if not isinstance(echo, CoilWrite) or (echo.address, echo.value) != (address, value):
            got = (f"address {echo.address:#06x} value {echo.value:#06x}"
                   if isinstance(echo, CoilWrite) else type(echo).__name__)
            raise DeviceProtocolError(
                f"relay board on {self.path}: {what}: the board echoed {got}, "
                f"not address {address:#06x} value {value:#06x}"
            )

    def _read_coils(self, first: int, count: int, what: str) -> list[bool]:
        response = self._exchange(ReadCoilsRequest(address=first, count=count), what)
        if not isinstance(response, ReadCoilsResponse) or len(response.bits) < count:
            raise DeviceProtocolError(
                f"relay board on {self.path}: {what}: expected {count} coil(s), got "
                f"{type(response).__name__} with {len(getattr(response, 'bits', []))} bit(s)"
            )
        return [bool(b) for b in response.bits[:count]]

    # -- GuardedRelay hooks --------------------------------------------------------------------------
    def _write(self, channel: int, on: bool) -> None:
        what = f"switch relay {channel} {'on' if on else 'off'}"
        self._write_coil(channel, COIL_ON if on else COIL_OFF, what)
        if self._read_coils(channel, 1, f"{what} (read-back)")[0] != on:
            raise DeviceProtocolError(
                f"relay board on {self.path}: relay {channel} reads "
                f"{'off' if on else 'on'} after the board acknowledged {what}"
            )

    def _flash(self, channel: int, ms: int) -> None:
        self._write_coil(FLASH_ON << 8 | channel, flash_units(ms),
                         f"flash relay {channel} for {ms} ms")

    def _read(self, channel: int) -> bool:
        return self._read_coils(channel, 1, f"read relay {channel}")[0]

    def _write_all_off(self) -> None:
        what = "switch all relays off"
        request = WriteMultipleCoilsRequest(address=0, bits=[False] * self.channels)
        response = self._exchange(request, what)
        if (not isinstance(response, WriteMultipleCoilsResponse)
                or (response.address, response.count) != (0, self.channels)):
            raise DeviceProtocolError(
                f"relay board on {self.path}: {what}: unexpected acknowledgement {response}"
            )
        states = self._read_coils(0, self.channels, f"{what} (read-back)")
        if any(states):
            still = ", ".join(str(i) for i, on in enumerate(states) if on)
            raise DeviceProtocolError(
                f"relay board on {self.path}: relay(s) {still} still on after all-off"
            )

    def _probe(self) -> None:
        self._read_coils(0, self.channels, "status check")


def open_device(url: DeviceURL) -> ModbusRtuRelay:
    url.check_params({"unit", "baudrate", "flash", "channels", "timeout"})
    path = serial_port.port_path(url, "modbus-rtu:///dev/ttyUSB0?unit=1")
    timeout = url.get_float("timeout", 0.5, lo=0.01)
    if timeout > MAX_TIMEOUT:
        raise DeviceConfigError(f"{url.raw}: timeout={timeout:g} s is above {MAX_TIMEOUT:g} s")
    relay = ModbusRtuRelay(
        url.raw, path,
        unit=url.get_int("unit", 1, lo=1, hi=247),
        baudrate=serial_port.baudrate_from(url),
        channels=channels_from(url, 8, MAX_CHANNELS),
        timeout=timeout,
        flash=url.get_bool("flash", False),
    )
    relay.open()
    return relay
