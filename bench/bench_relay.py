"""Relay command latency: our modbus-rtu:// pulse() against a bare pymodbus write_coil.

Both run in this process over the same socat pty pair to the same pymodbus RTU server acting
as a Waveshare-style board (tests/fixtures/serial_pty.py), at 9600 baud.

- floor: ``ModbusSerialClient.write_coil(0, on)`` round trip (request out, echo back), as a
  program using pymodbus directly would do it.
- ours: ``relay.pulse(0, 100)`` on ``modbus-rtu://...&flash=1``, timed from the call to its
  return. That is one flash command (function 05, address 0x0200, value 1) and its echo,
  plus our validation, locking and echo check. The board then times the 100 ms pulse itself,
  after pulse() returned, so the pulse length is not part of the figure (it is the board's).

The two take turns in rounds (a port can only be open once: exclusive=True) so drift hits
both alike. Target: p50 ratio ours/floor <= 1.2. A pty does not throttle to the baud rate;
on a real 9600 line add about 17 ms of wire time to both.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pymodbus.client import ModbusSerialClient

import devices
from tests.fixtures.serial_pty import ModbusBoard, SocatPair, modbus_url

ROUNDS = 6
PER_ROUND = 100
WARMUP = 10
TARGET = 1.2


def _timed(op: Callable[[int], None], n: int) -> list[float]:
    out = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        op(i)
        dt = time.perf_counter() - t0
        if i >= WARMUP:
            out.append(dt)
    return out


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _floor_round(pair: SocatPair) -> list[float]:
    client = ModbusSerialClient(str(pair.kiosk_end), baudrate=9600, timeout=1, retries=0)
    assert client.connect(), "bare client could not open the port"
    try:
        def write(i: int) -> None:
            response = client.write_coil(0, bool(i % 2), device_id=1)
            assert not response.isError()

        return _timed(write, PER_ROUND)
    finally:
        client.close()


def _ours_round(pair: SocatPair) -> list[float]:
    relay = devices.open_relay(modbus_url(pair, flash=1, timeout=1))
    try:
        return _timed(lambda _i: relay.pulse(0, 100), PER_ROUND)
    finally:
        relay.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        pair = SocatPair(Path(tmp))
        pair.start()
        board = ModbusBoard(pair.board_end)
        board.start()
        try:
            floor: list[float] = []
            ours: list[float] = []
            for _ in range(ROUNDS):
                floor += _floor_round(pair)
                ours += _ours_round(pair)
            # Check the pulses really reached the board as flash commands (channel 0, 1 unit).
            flashes = board.received_bytes().count(bytes.fromhex("01 05 02 00 00 01"))
        finally:
            board.stop()
            pair.stop()

    f50, f99 = _pct(floor, 0.50), _pct(floor, 0.99)
    o50, o99 = _pct(ours, 0.50), _pct(ours, 0.99)
    ratio = o50 / f50
    print(f"relay: {len(floor)} bare pymodbus write_coil round trips vs {len(ours)} "
          f"modbus-rtu pulse() (flash=1) over a pty opened at 9600 baud (not paced: a pty copies at once)")
    print(f"  floor write_coil   p50 {f50:6.2f} ms  p99 {f99:6.2f} ms  "
          f"mean {statistics.fmean(floor) * 1000:6.2f} ms")
    print(f"  ours  pulse(0,100) p50 {o50:6.2f} ms  p99 {o99:6.2f} ms  "
          f"mean {statistics.fmean(ours) * 1000:6.2f} ms")
    print(f"  ratio p50 {ratio:.2f}x  p99 {o99 / f99:.2f}x  (target p50 <= {TARGET}x); "
          f"board received {flashes} flash commands")
    ok = ratio <= TARGET and flashes == ROUNDS * (WARMUP + PER_ROUND)
    print(f"  {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
