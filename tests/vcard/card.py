"""The virtual card: one TCP connection to vpcd, answering like an ACR122U-class tag.

Protocol (both directions): 2-byte big-endian length, then that many bytes. A 1-byte
message from vpcd is a control code (0 power off, 1 power on, 2 reset, 4 "send ATR");
anything longer is an APDU, answered with response data + SW1 SW2. We answer the PC/SC
GET DATA (UID) command `FF CA 00 00 00` with UID + 90 00 and everything else with 6D 00
("instruction not supported").
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

VPCD_HOST = "127.0.0.1"
# vpcd's reader "Virtual PCD 00 0N" listens on 35963 + N.
VPCD_PORTS = (35963, 35964)

GET_UID = bytes.fromhex("FFCA000000")
SW_OK = bytes.fromhex("9000")
SW_INS_NOT_SUPPORTED = bytes.fromhex("6D00")
# ATR of a PC/SC-part-3 contactless storage card (MIFARE Classic 1K), as ACR122U reports it.
DEFAULT_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

_CTRL_POWER_OFF, _CTRL_POWER_ON, _CTRL_RESET, _CTRL_GET_ATR = 0, 1, 2, 4


class VirtualCard:
    """A card that can be inserted into and removed from one vpcd slot.

    `vanish_on_uid_read=True` makes the card drop its connection when the next
    GET DATA (UID) arrives, without answering: a card pulled out mid-APDU.
    """

    def __init__(
        self,
        uid: str | bytes,
        *,
        slot: int = 0,
        atr: bytes = DEFAULT_ATR,
        host: str = VPCD_HOST,
        vanish_on_uid_read: bool = False,
    ) -> None:
        self.uid = bytes.fromhex(uid) if isinstance(uid, str) else bytes(uid)
        self.atr = atr
        self.address = (host, VPCD_PORTS[slot])
        self.vanish_on_uid_read = vanish_on_uid_read
        self.uid_reads = 0  # GET DATA (UID) commands answered
        self.apdus: list[bytes] = []
        # When the ATR went out right after a power-on (time.perf_counter, CLOCK_MONOTONIC:
        # comparable across processes). pcscd powers a new card and reads its ATR just
        # before it reports the card present, so the first one is the bench's "card
        # present" moment. (vpcd also asks for the ATR when merely probing for a card.)
        self.powered_atr_at: list[float] = []
        self._last_control = -1
        self.vanished = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self) -> None:
        """Connect to vpcd; pcscd notices the card at its next poll (≈0.15–0.5 s)."""
        if self._sock is not None:
            raise RuntimeError("card is already inserted")
        sock = socket.create_connection(self.address, timeout=5)
        sock.settimeout(None)
        # Without both, every APDU costs ≈43 ms (Nagle's algorithm meets delayed ACK).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.vanished.clear()
        self.powered_atr_at = []
        self._last_control = -1
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True,
                                        name=f"vcard-{self.uid.hex()}")
        self._thread.start()

    def remove(self) -> None:
        """Close the connection: the card leaves the field. Safe to call twice."""
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    # -- the card side of the protocol ---------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                message = self._recv_message(sock)
                if message is None:
                    return
                reply = self._answer(message)
                if reply is None and len(message) > 1:
                    # Vanish mid-APDU: leave without answering.
                    self.vanished.set()
                    with self._lock:
                        if self._sock is sock:
                            self._sock = None
                    sock.close()
                    return
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
                if len(message) == 1:
                    if message[0] == _CTRL_GET_ATR and self._last_control == _CTRL_POWER_ON:
                        self.powered_atr_at.append(time.perf_counter())
                    self._last_control = message[0]
        except OSError:
            return  # removed while serving

    def _answer(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            return self.atr if message[0] == _CTRL_GET_ATR else None
        self.apdus.append(message)
        if message == GET_UID:
            if self.vanish_on_uid_read:
                return None
            self.uid_reads += 1
            return self.uid + SW_OK
        return SW_INS_NOT_SUPPORTED

    @staticmethod
    def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            # Linux resets quick-ACK mode after a while; ask again before each read.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def _recv_message(self, sock: socket.socket) -> bytes | None:
        header = self._recv_exact(sock, 2)
        if header is None:
            return None
        (length,) = struct.unpack(">H", header)
        if length == 0:
            return b""
        return self._recv_exact(sock, length)
