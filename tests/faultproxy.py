"""An HTTP/1.1 proxy for tests that stands between the kiosk and central and misbehaves on demand.

It reads each request off the client connection, so a mode applies per request (keep-alive
connections switch too), and it counts every request it saw (`requests`, `count()`).

Modes (`proxy.mode = ...` at any time):
  pass      forward to central and back
  drop      read the request, then close without a word
  reset     read the request, then close with a TCP RST
  delay     wait `delay_s` before forwarding (a slow central, or with a long delay a hang)
  http500   answer 500 without asking central
  truncate  forward, return the response head and only `truncate_at` bytes of its body, close
  garbage   answer 200 with a body that is not JSON, without asking central
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass

MODES = ("pass", "drop", "reset", "delay", "http500", "truncate", "garbage")
MAX_HEAD = 65536


class ProxyError(Exception):
    """The client or upstream spoke something this proxy cannot forward."""


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    mode: str
    at: float


class FaultProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._mode = "pass"
        self.delay_s = 1.0
        self.truncate_at = 20
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="faultproxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown fault mode {value!r}; use one of {', '.join(MODES)}")
        self._mode = value

    def count(self, path_prefix: str = "", since: float = 0.0) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(path_prefix) and r.at >= since)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections -----------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(60)
        with self._lock:
            self._conns.add(client)
        up: socket.socket | None = None
        reader = _Reader(client)
        try:
            while not self._stop.is_set():
                try:
                    head, body = reader.message(request=True)
                except (ProxyError, OSError):
                    return
                if not head:
                    return  # client closed between requests
                method, path = _request_line(head)
                mode = self._mode
                with self._lock:
                    self.requests.append(Seen(method, path, mode, time.monotonic()))
                if mode == "drop":
                    return
                if mode == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if mode in ("http500", "garbage"):
                    payload = b'{"detail":"injected"}' if mode == "http500" else b"<html>oops"
                    status = b"500 Internal Server Error" if mode == "http500" else b"200 OK"
                    client.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json"
                                   b"\r\nContent-Length: " + str(len(payload)).encode()
                                   + b"\r\n\r\n" + payload)
                    continue
                if mode == "delay":
                    if self._stop.wait(self.delay_s):
                        return
                if up is None:
                    up = socket.create_connection(self.upstream, timeout=60)
                    up_reader = _Reader(up)
                up.sendall(head + body)
                rhead, rbody = up_reader.message(request=False, method=method)
                if mode == "truncate":
                    client.sendall(rhead + rbody[: self.truncate_at])
                    return
                client.sendall(rhead + rbody)
                if b"\r\nconnection: close" in rhead.lower():
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._conns.discard(client)
            with contextlib.suppress(OSError):
                client.close()
            if up is not None:
                with contextlib.suppress(OSError):
                    up.close()


class _Reader:
    """Reads whole HTTP/1.1 messages (head + body) off a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ProxyError("connection closed inside a body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD or not self._fill():
                raise ProxyError("no line end")
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def message(self, *, request: bool, method: str = "GET") -> tuple[bytes, bytes]:
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise ProxyError("header too long")
            if not self._fill():
                if not self.buf:
                    return b"", b""
                raise ProxyError("connection closed inside a header")
        i = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:i], self.buf[i:]
        fields = _fields(head)
        if "chunked" in fields.get("transfer-encoding", ""):
            body = b""
            while True:
                size_line = self._line()
                body += size_line
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                body += self._take(size + 2)
                if size == 0:
                    return head, body
        if "content-length" in fields:
            return head, self._take(int(fields["content-length"]))
        status = head.split(b" ", 2)[1] if not request else b""
        if request or method == "HEAD" or status in (b"204", b"304"):
            return head, b""
        body = self.buf  # a response without a length runs to the end of the connection
        self.buf = b""
        while self._fill():
            body += self.buf
            self.buf = b""
        return head, body


def _fields(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            out[k.strip().lower().decode("latin-1")] = v.strip().lower().decode("latin-1")
    return out


def _request_line(head: bytes) -> tuple[str, str]:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) < 2:
        return "?", "?"
    return parts[0].decode("latin-1"), parts[1].decode("latin-1")
