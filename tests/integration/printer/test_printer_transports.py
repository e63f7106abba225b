"""The ESC/POS driver over real transports: a pty (file and serial), a TCP socket, libusb."""

from __future__ import annotations

import os
import select
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from types import FrameType

import pytest

import devices
from devices.errors import PaperOut
from devices.printer.layout import LayoutOptions, render
from devices.printer.raster_text import find_cjk_font
from tests.fixtures.scanner import PtyPort, wait_until

pytestmark = pytest.mark.integration

SLIP = devices.Slip("访客单", ("访客: 张*", "被访: 3-1201"), qr="V1:7F3A9C", footer="请在闸机扫码")
QUERY = b"\x10\x04\x04"  # DLE EOT 4, spelled out from the ESC/POS spec
PAPER_OK, PAPER_LOW, PAPER_OUT = b"\x12", b"\x1e", b"\x72"


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as ex:
        yield ex


def in_background(pool: ThreadPoolExecutor, printer: devices.Printer, slip: devices.Slip) -> Future[None]:
    # A slip is bigger than the pty buffer: print from a thread while the test reads.
    return pool.submit(printer.print_slip, slip)


# -- escpos-file:// onto a pty ------------------------------------------------------------------
def test_file_printer_on_a_pty_delivers_the_exact_bytes(pty_port: PtyPort, pool):
    printer = devices.open_printer(f"escpos-file://{pty_port.link}")
    assert printer.health().is_ok
    expected = render(SLIP, LayoutOptions())
    job = in_background(pool, printer, SLIP)
    got = pty_port.read_until(lambda b: len(b) >= len(expected))
    job.result(timeout=5)
    assert got == expected


def test_file_printer_missing_device_is_not_created(tmp_path):
    path = tmp_path / "lp0"
    printer = devices.open_printer(f"escpos-file://{path}")
    with pytest.raises(devices.DeviceNotFound, match=r"device file .*lp0 \(no such device\)"):
        printer.print_slip(SLIP)
    assert not path.exists()
    assert printer.health().state is devices.State.DOWN


# -- escpos-serial:// onto a pty, with a printer that answers status queries --------------------
class PtyPrinter:
    """The far end of the serial line: records bytes, answers DLE EOT 4 with `status`."""

    def __init__(self, port: PtyPort, status: bytes | None) -> None:
        self.port, self.status = port, status
        self.received = bytearray()
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        fd = self.port.master
        assert fd is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                continue  # EIO between the driver's jobs, while nobody holds the slave
            self.received += chunk
            # The driver waits for the answer before sending more, so a query is always the
            # tail of what has arrived (a pty never tells us where one job ends).
            if self.received.endswith(QUERY):
                self.queries += 1
                if self.status is not None:
                    os.write(fd, self.status)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@pytest.fixture
def pty_printer(pty_port: PtyPort, request) -> Iterator[PtyPrinter]:
    far = PtyPrinter(pty_port, getattr(request, "param", PAPER_OK))
    yield far
    far.stop()


def test_serial_printer_asks_for_paper_then_prints(pty_port, pty_printer):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}?baudrate=115200&paper=80")
    printer.print_slip(SLIP)
    expected = QUERY + render(SLIP, LayoutOptions(paper_mm=80))
    wait_until(lambda: len(pty_printer.received) >= len(expected))
    assert bytes(pty_printer.received) == expected
    assert printer.health().is_ok


@pytest.mark.parametrize("pty_printer", [PAPER_OUT], indirect=True)
def test_serial_printer_out_of_paper_prints_nothing(pty_port, pty_printer):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}")
    with pytest.raises(PaperOut, match="out of paper"):
        printer.print_slip(SLIP)
    assert bytes(pty_printer.received) == QUERY
    assert str(printer.health()) == "down: paper out"


@pytest.mark.parametrize("pty_printer", [PAPER_LOW], indirect=True)
def test_serial_printer_paper_low_prints_and_degrades(pty_port, pty_printer):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}")
    printer.print_slip(SLIP)
    assert str(printer.health()) == "degraded: paper low"


@pytest.mark.parametrize("pty_printer", [None], indirect=True)
def test_serial_printer_that_never_answers(pty_port, pty_printer):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}?status_timeout=0.2")
    with pytest.raises(devices.DeviceTimeout, match="did not answer a status query"):
        printer.print_slip(SLIP)
    assert bytes(pty_printer.received) == QUERY
    # The same printer with status queries off just prints.
    quiet = devices.open_printer(f"escpos-serial://{pty_port.link}?status=0")
    quiet.print_slip(SLIP)
    wait_until(lambda: len(pty_printer.received) >= len(QUERY) + len(render(SLIP)))
    assert bytes(pty_printer.received) == QUERY + render(SLIP)


def test_serial_printer_unplugged_then_back(pty_port, pty_printer):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}")
    pty_printer.stop()
    pty_port.unplug()
    with pytest.raises(devices.DeviceNotFound) as err:
        printer.print_slip(SLIP)
    assert str(err.value) == f"printer on serial port {pty_port.link} not found (is it plugged in?)"
    assert printer.health().state is devices.State.DOWN
    pty_port.plug()
    far = PtyPrinter(pty_port, PAPER_OK)
    try:
        printer.print_slip(SLIP)
        assert printer.health().is_ok
    finally:
        far.stop()


def test_serial_printer_that_stops_reading_times_out(pty_port):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}?status=0&timeout=0.3&baudrate=921600")
    pty_port.fill()
    with pytest.raises(devices.DeviceTimeout, match="did not take the data in time") as err:
        printer.print_slip(SLIP)
    # Without status queries the port's presence is all health can see, so the failure shows.
    assert str(printer.health()) == f"degraded: last slip failed: {err.value}"


def blocked_in_serial_write() -> bool:
    """Some thread is inside pyserial's write(), i.e. past opening the port."""
    for frame in sys._current_frames().values():
        f: FrameType | None = frame
        while f is not None:
            if f.f_code.co_name == "write" and f.f_code.co_filename.endswith("serialposix.py"):
                return True
            f = f.f_back
    return False


def test_serial_printer_unplugged_mid_job(pty_port, pool):
    printer = devices.open_printer(f"escpos-serial://{pty_port.link}?status=0&timeout=30")
    pty_port.fill()  # the job's write stalls, as on a printer busy with a paper jam
    job = in_background(pool, printer, SLIP)
    wait_until(blocked_in_serial_write)  # unplugging while it opens would be "not found"
    pty_port.unplug()
    with pytest.raises(devices.DeviceUnplugged, match="printer connection lost: serial port"):
        job.result(timeout=10)


# -- escpos-net:// against a TCP server on loopback -------------------------------------------
class TcpPrinter:
    """A port-9100 printer on 127.0.0.1: one job per connection, answers DLE EOT 4."""

    def __init__(self, status: bytes | None = PAPER_OK) -> None:
        self.status = status
        self.jobs: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                job = bytearray()
                while chunk := conn.recv(65536):
                    job += chunk
                    if bytes(job) == QUERY and self.status is not None:
                        conn.sendall(self.status)
                self.jobs.append(bytes(job))

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        self.sock.close()
        self._thread.join(timeout=2)
        assert not self._thread.is_alive()


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    server = TcpPrinter()
    yield server
    server.close()


def test_net_printer_bytes_arrive(tcp_printer):
    printer = devices.open_printer(f"escpos-net://127.0.0.1:{tcp_printer.port}?status=0")
    printer.print_slip(SLIP)
    wait_until(lambda: tcp_printer.jobs)
    assert tcp_printer.jobs == [render(SLIP)]


def test_net_printer_raster_text_bytes_arrive(tcp_printer):
    url = f"escpos-net://127.0.0.1:{tcp_printer.port}?status=0&text=raster&paper=80"
    printer = devices.open_printer(url)
    printer.print_slip(SLIP)
    wait_until(lambda: tcp_printer.jobs)
    expected = render(SLIP, LayoutOptions(paper_mm=80, text="raster", font=find_cjk_font()))
    assert tcp_printer.jobs == [expected]
    assert "访客".encode("gb18030") not in expected.split(b"\x1dv0")[0]  # before the first image


def test_net_printer_status(tcp_printer):
    printer = devices.open_printer(f"escpos-net://127.0.0.1:{tcp_printer.port}")
    assert printer.health().is_ok
    tcp_printer.status = PAPER_LOW
    printer.print_slip(SLIP)
    assert str(printer.health()) == "degraded: paper low"
    tcp_printer.status = PAPER_OUT
    with pytest.raises(PaperOut):
        printer.print_slip(SLIP)
    wait_until(lambda: len(tcp_printer.jobs) == 4)
    assert tcp_printer.jobs == [QUERY, QUERY + render(SLIP), QUERY, QUERY]


def test_net_printer_closed_port_is_not_found():
    with closing(socket.create_server(("127.0.0.1", 0))) as s:
        port = s.getsockname()[1]  # bound, then closed: nothing listens there now
    printer = devices.open_printer(f"escpos-net://127.0.0.1:{port}")
    with pytest.raises(devices.DeviceNotFound) as err:
        printer.print_slip(SLIP)
    assert str(err.value) == f"printer not found: network printer 127.0.0.1:{port} (Connection refused)"
    assert printer.health().state is devices.State.DOWN


def test_net_printer_that_resets_the_connection():
    with closing(socket.create_server(("127.0.0.1", 0))) as server:
        port = server.getsockname()[1]

        def reset_once() -> None:
            conn, _ = server.accept()
            conn.recv(16)  # the status query arrives, then the "printer" goes away
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # linger 0: an RST, as from a printer that was switched off

        t = threading.Thread(target=reset_once, daemon=True)
        t.start()
        printer = devices.open_printer(f"escpos-net://127.0.0.1:{port}")
        with pytest.raises(devices.DeviceUnplugged, match="printer connection lost: network printer"):
            printer.print_slip(SLIP)
        t.join(timeout=5)


# -- escpos-usb:// with no such device (the real libusb answer on this machine) -----------------
def test_usb_printer_absent():
    printer = devices.open_printer("escpos-usb://04b8:0202")
    with pytest.raises(devices.DeviceNotFound) as err:
        printer.print_slip(SLIP)
    assert str(err.value) == (
        "printer not found: USB printer 04b8:0202 (not connected; is it switched on and plugged in?)"
    )
    assert str(printer.health()) == f"down: {err.value}"
