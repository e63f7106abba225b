"""A UNIX datagram socket through which another process drives a simulated device.

The sim card reader listens on it for lines such as `tap 04A1B2C3`; `send_command()` is
the client side (the demo, an end-to-end test, or `socat - UNIX-SENDTO:PATH`).
Replies go back only to senders that have an address, so fire-and-forget senders work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import stat
import threading
from collections.abc import Callable
from typing import Protocol

from .errors import DeviceConfigError, DeviceError, DeviceTimeout

log = logging.getLogger(__name__)

MAX_COMMAND_BYTES = 512
_MAX_PATH_BYTES = 107  # sun_path is 108 bytes including the NUL


def check_path(path: str) -> None:
    if not path:
        raise DeviceConfigError("control socket path is empty")
    if not os.path.isabs(path):
        raise DeviceConfigError(f"control socket path {path!r} must be absolute")
    if len(os.fsencode(path)) > _MAX_PATH_BYTES:
        raise DeviceConfigError(f"control socket path is longer than {_MAX_PATH_BYTES} bytes")


class Pluggable(Protocol):
    def unplug(self) -> None: ...
    def replug(self) -> None: ...
    def health(self) -> object: ...


def plug_command(device: Pluggable, verb: str, rest: str, verbs: str) -> str:
    """The verbs every sim device answers (unplug, replug, health); `verbs` lists all of the
    device's own for the error reply."""
    if verb not in ("unplug", "replug", "health"):
        return f"error: unknown command; use {verbs}"
    if rest:
        return f"error: {verb} takes no arguments"
    if verb == "health":
        return str(device.health())
    getattr(device, verb)()
    return "ok"


class ControlSocket:
    """Bind `path` and hand each received line to `handler`, whose answer is the reply."""

    def __init__(self, path: str, handler: Callable[[str], str]) -> None:
        check_path(path)
        self.path = path
        self._handler = handler
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._remove_stale()
            self._sock.bind(path)
        except OSError as exc:
            self._sock.close()
            raise DeviceConfigError(f"cannot bind control socket {path}: {exc.strerror}") from None
        except DeviceError:
            self._sock.close()
            raise
        # A socketpair wakes the selector on close(); closing a socket another thread is
        # blocked on does not wake it on Linux.
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name=f"control:{path}", daemon=True)
        self._thread.start()

    def _remove_stale(self) -> None:
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(mode):
            raise DeviceConfigError(f"control socket path {self.path} exists and is not a socket")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            probe.connect(self.path)
        except ConnectionRefusedError:
            os.unlink(self.path)  # left behind by a process that died
            return
        finally:
            probe.close()
        raise DeviceConfigError(f"control socket {self.path} is in use by another process")

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._sock, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                try:
                    data, sender = self._sock.recvfrom(MAX_COMMAND_BYTES + 1)
                except OSError:
                    return
                reply = self._handle(data)
                if sender:
                    with contextlib.suppress(OSError):  # the sender may be gone already
                        self._sock.sendto(reply.encode(), sender)

    def _handle(self, data: bytes) -> str:
        if len(data) > MAX_COMMAND_BYTES:
            return f"error: command longer than {MAX_COMMAND_BYTES} bytes"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "error: command is not UTF-8 text"
        replies = []
        for line in text.splitlines() or [""]:
            try:
                replies.append(self._handler(line.strip()))
            except Exception as exc:  # a bad command must not kill the control thread
                log.warning("control command failed: %s", exc)
                replies.append(f"error: {exc}")
        return "\n".join(replies)

    def close(self) -> None:
        if not self._thread.is_alive() and self._sock.fileno() == -1:
            return
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._thread.join(timeout=5)
        for sock in (self._sock, self._wake_r, self._wake_w):
            sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def send_command(path: str, line: str, timeout: float = 2.0) -> str:
    """Send one command line to a control socket and return its reply."""
    check_path(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind("")  # Linux autobind: an abstract address, so the reply can reach us
        sock.settimeout(timeout)
        try:
            sock.sendto(line.encode("utf-8"), path)
            return sock.recv(4096).decode("utf-8", "replace")
        except TimeoutError:
            raise DeviceTimeout(f"no reply from control socket {path} in {timeout} s") from None
        except (FileNotFoundError, ConnectionRefusedError):
            raise DeviceConfigError(f"nothing is listening on control socket {path}") from None
    finally:
        sock.close()
