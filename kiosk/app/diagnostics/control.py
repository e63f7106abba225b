"""The running kiosk's control socket: `kiosk diag` asks it instead of opening ports it holds.

A Unix stream socket at data_dir/kiosk.control.sock, mode 0600 (the kiosk's user and root
only). One JSON request, one JSON reply, one connection each:

    -> {"cmd": "status"}                              <- {"ok": true, "pid": 123, "report": {...}}
    -> {"cmd": "pulse", "requested_by": "alice"}      <- {"ok": true, "check": {...}}
    -> {"cmd": "print", "requested_by": "alice"}      <- {"ok": true, "check": {...}}
    -> {"cmd": "bundle"}                              <- {"ok": true, "bundle": "<base64 tar.gz>"}
    anything else                                     <- {"ok": false, "error": "..."}

A request is at most MAX_REQUEST bytes and must arrive within REQUEST_TIMEOUT_S; at most
MAX_CLIENTS are served at once (a diagnosis takes seconds); the rest are told "busy".
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import socket
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lobby_core.diagnostics import Check, Report

log = logging.getLogger(__name__)

SOCKET_NAME = "kiosk.control.sock"
MAX_REQUEST = 4096
MAX_REPLY = 64 * 2**20  # a bundle: logs are capped, so this is far above any real one
REQUEST_TIMEOUT_S = 2.0
MAX_CLIENTS = 4
BUSY_DRAIN_S = 0.2  # on the accept thread: short
MAX_DRAIN = 1 << 20
COMMANDS = ("status", "pulse", "print", "bundle")


class ControlError(Exception):
    """The running kiosk could not be asked (not listening, timed out, bad reply)."""


class ControlDenied(ControlError):
    """This user may not use the socket (it is the kiosk user's, mode 0600)."""


@dataclass
class Handlers:
    diagnose: Callable[[], Report]
    pulse: Callable[[str], Check]
    print_test: Callable[[str], Check]
    bundle: Callable[[], bytes]


def socket_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / SOCKET_NAME


def _error(text: str) -> dict[str, Any]:
    return {"ok": False, "error": text}


def parse_request(raw: bytes) -> dict[str, Any]:
    """The request as a dict with a known `cmd`, or ValueError saying what is wrong."""
    if len(raw) > MAX_REQUEST:
        raise ValueError(f"request longer than {MAX_REQUEST} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("request is not a JSON object") from None
    if not isinstance(data, dict):
        raise ValueError("request is not a JSON object")
    cmd = data.get("cmd")
    if cmd not in COMMANDS:
        raise ValueError(f"unknown command; use one of {', '.join(COMMANDS)}")
    requested_by = data.get("requested_by", "kiosk diag")
    if not isinstance(requested_by, str):
        raise ValueError("requested_by must be text")
    return {"cmd": cmd, "requested_by": requested_by}


class ControlServer:
    def __init__(self, data_dir: Path | str, handlers: Handlers) -> None:
        self.path = socket_path(data_dir)
        self._handlers = handlers
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._stopping = threading.Event()

    def start(self) -> bool:
        """Listen; False (logged) when another live kiosk on this data_dir serves it already
        or the socket cannot be made: the kiosk runs on, diag then says it does not answer."""
        if self.path.exists():
            if _answers(self.path):
                log.warning("control: %s is served by another kiosk on this data_dir", self.path)
                return False
            with contextlib.suppress(OSError):
                self.path.unlink()  # left by a kiosk that died
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # born 0600: no moment when others could connect
        try:
            sock.bind(str(self.path))
            os.chmod(self.path, stat.S_IRUSR | stat.S_IWUSR)
            sock.listen(8)
        except OSError as exc:
            sock.close()
            log.error("control: cannot listen on %s: %s", self.path, exc)
            return False
        finally:
            os.umask(old_umask)
        sock.settimeout(0.5)  # accept wakes up to see stop()
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
        self._sock = self._thread = None

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                time.sleep(0.1)  # EMFILE and friends: breathe, then go on serving
                continue
            if not self._slots.acquire(blocking=False):
                _reply(conn, _error("busy: too many diagnostics at once; try again"))
                _finish(conn, BUSY_DRAIN_S)
                continue
            threading.Thread(target=self._handle, args=(conn,), name="control-client",
                             daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                conn.settimeout(REQUEST_TIMEOUT_S)
                try:
                    request = parse_request(_read_request(conn))
                except ValueError as exc:
                    _reply(conn, _error(str(exc)))
                    _finish(conn, REQUEST_TIMEOUT_S)
                    return
                except OSError:
                    return  # the client went away or was too slow: nobody to answer
                _reply(conn, self._answer(request))
                _finish(conn, REQUEST_TIMEOUT_S)
        finally:
            self._slots.release()

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        h, who = self._handlers, request["requested_by"]
        try:
            if request["cmd"] == "status":
                return {"ok": True, "pid": os.getpid(), "report": h.diagnose().to_json()}
            if request["cmd"] == "pulse":
                return {"ok": True, "check": h.pulse(who).to_json()}
            if request["cmd"] == "print":
                return {"ok": True, "check": h.print_test(who).to_json()}
            return {"ok": True, "bundle": base64.b64encode(h.bundle()).decode("ascii")}
        except Exception as exc:  # an answer, never a dead control thread
            log.exception("control: %s failed", request["cmd"])
            return _error(f"{request['cmd']} failed inside the kiosk: {type(exc).__name__}")


def _read_request(conn: socket.socket) -> bytes:
    """Up to the first newline or the client's end of writing, at most MAX_REQUEST bytes."""
    buf = b""
    while b"\n" not in buf and len(buf) <= MAX_REQUEST:
        chunk = conn.recv(MAX_REQUEST + 1 - len(buf))
        if not chunk:
            break
        buf += chunk
    if len(buf) > MAX_REQUEST:
        raise ValueError(f"request longer than {MAX_REQUEST} bytes")
    return buf.split(b"\n", 1)[0]


def _reply(conn: socket.socket, data: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n")


def _finish(conn: socket.socket, wait_s: float) -> None:
    """Close only after the client's unread bytes are drained (bounded): closing with input
    pending resets the connection, and the client would lose the reply already sent."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(wait_s)
        drained = 0
        while drained <= MAX_DRAIN and (chunk := conn.recv(65536)):
            drained += len(chunk)
    conn.close()


def _answers(path: Path) -> bool:
    try:
        ask(path.parent, "status", timeout_s=1.0, probe_only=True)
    except ControlError:
        return False
    return True


def ask(data_dir: Path | str, cmd: str, *, requested_by: str = "kiosk diag",
        timeout_s: float = 15.0, probe_only: bool = False) -> dict[str, Any]:
    """Send one request and return the reply's JSON object (its "ok" is True);
    ControlError says why not. `probe_only`: only see that something listens."""
    path = socket_path(data_dir)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(path))
            if probe_only:
                return {"ok": True}
            sock.sendall(json.dumps({"cmd": cmd, "requested_by": requested_by}).encode() + b"\n")
            sock.shutdown(socket.SHUT_WR)
            chunks: list[bytes] = []
            size = 0
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_REPLY:
                    raise ControlError("the kiosk's reply is too long")
    except FileNotFoundError:
        raise ControlError(f"no control socket at {path}") from None
    except PermissionError:
        raise ControlDenied(f"no permission to use {path}") from None
    except TimeoutError:
        raise ControlError(f"the kiosk did not answer within {timeout_s:.0f} s") from None
    except OSError as exc:
        raise ControlError(f"cannot talk to the kiosk at {path}: {exc.strerror or exc}") from None
    try:
        reply = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ControlError("the kiosk's reply is not JSON") from None
    if not isinstance(reply, dict):
        raise ControlError("the kiosk's reply is not a JSON object")
    if not reply.get("ok"):
        raise ControlError(str(reply.get("error") or "the kiosk refused the request")[:300])
    return reply
