"""ID card read: one card presented to a SAM module on a pty pair at 115200 baud (the module
paces its answers as the line would), from the find-card request that finds it to the card in
on_card. Target: <= 1.2x the floor, a bare pyserial find/select/read exchange against the same
module with the text block sliced out by hand, measured in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import serial

ROUNDS = 20
TARGET = 1.2
BAUD = 115200
BYTE_S = 10 / BAUD  # start bit, 8 data bits, stop bit


def _paced(write: Callable[[bytes], int | None]) -> Callable[[bytes], int | None]:
    """A pty moves bytes at once; a UART at 115200 baud takes 87 us a byte."""

    def paced(data: bytes) -> int | None:
        time.sleep(len(data) * BYTE_S)
        return write(data)

    return paced


def _exchange(port: serial.Serial, body: bytes) -> bytes:
    from tests.fixtures.sam_module import wire

    port.write(wire(body))
    head = port.read(7)
    length = int.from_bytes(head[5:7], "big")
    return head + port.read(length)


def main() -> int:
    import devices
    from tests.fixtures.sam_module import RESIDENT, SamRig
    from tests.fixtures.serial_pty import SocatPair

    root = Path(tempfile.mkdtemp(prefix="bench-idcard-"))
    rig = SamRig(SocatPair(root))
    rig.plug()
    module = rig.module
    assert module._serial is not None
    module._serial.write = _paced(module._serial.write)  # type: ignore[method-assign]
    finds: list[float] = []  # when the module took a find-card request with a card on it
    real_answer = module._answer

    def answer(body: bytes) -> None:
        if body == b"\x20\x01" and module.card is not None:
            finds.append(time.perf_counter())
        real_answer(body)

    module._answer = answer  # type: ignore[method-assign]
    got: list[float] = []
    arrived = threading.Event()

    def on_card(_card: object) -> None:
        got.append(time.perf_counter())
        arrived.set()

    ours: list[float] = []
    floor: list[float] = []
    try:
        # -- floor: the three exchanges by hand
        with serial.Serial(str(rig.port), BAUD, timeout=2) as port:
            module.lay(RESIDENT)
            for _ in range(ROUNDS):
                assert _exchange(port, b"\x20\x01")[7:10] == b"\x00\x00\x9f"
                assert _exchange(port, b"\x20\x02")[7:10] == b"\x00\x00\x90"
                frame = _exchange(port, b"\x30\x01")
                text = frame[14:270].decode("utf-16-le")
                assert RESIDENT.number in text
                # Both sides timed from the same moment: the module taking the find request.
                floor.append(time.perf_counter() - finds[-1])
            module.lay(None)
        # -- ours: the driver, from the find that finds the card to on_card
        reader = devices.open_id_reader(f"idcard-serial://{rig.port}?baudrate={BAUD}&poll=0.05")
        reader.start(on_card)
        try:
            for _ in range(ROUNDS):
                arrived.clear()
                module.lay(RESIDENT)
                if not arrived.wait(10):
                    raise RuntimeError("the driver never read the card")
                ours.append(got[-1] - max(t for t in finds if t < got[-1]))
                module.lay(None)
                rig.wait_polls(3)  # the driver sees the card gone before the next presentation
        finally:
            reader.stop()
    finally:
        rig.unplug()
    ms = [x * 1000 for x in ours]
    fl = [x * 1000 for x in floor]
    ratio = statistics.median(ms) / statistics.median(fl)
    ok = ratio <= TARGET
    print(f"ID card read, {ROUNDS} presentations, SAM module on a pty paced at {BAUD} baud\n"
          f"  floor (bare find/select/read)    p50 {statistics.median(fl):6.1f} ms"
          f"  max {max(fl):6.1f} ms\n"
          f"  kiosk (idcard-serial:// driver) p50 {statistics.median(ms):6.1f} ms"
          f"  max {max(ms):6.1f} ms\n"
          f"  ratio p50 {ratio:.2f}x  (target <= {TARGET}x): {'met' if ok else 'NOT met'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
