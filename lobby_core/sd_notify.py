"""Tell systemd how the service is doing: the sd_notify(3) protocol, one datagram per message.

Written by hand rather than with the `sdnotify` package: that one swallows every error and
encodes Latin-1, so a Chinese STATUS= line would be dropped without a word. The protocol is a
single `sendto()` of UTF-8 `KEY=value` lines to the AF_UNIX datagram socket systemd names in
$NOTIFY_SOCKET (a path, or `@name` in the abstract namespace).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)

_MAX_SUN_PATH = 107  # sun_path is 108 bytes with the NUL


class Notifier:
    """Sends to one notify socket; does nothing when the process is not run by systemd."""

    def __init__(self, address: str | None) -> None:
        self.address = _socket_address(address)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._warned = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET"))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, **fields: str) -> bool:
        """One message (`READY="1"`, `STATUS="…"`): True once systemd's socket took it.

        A value's line breaks become spaces, so a status text can never add a field of its
        own (a `\\nREADY=1` inside a status must not tell systemd anything)."""
        if self.address is None or not fields:
            return False
        payload = "\n".join(f"{key}={' '.join(str(value).splitlines())}"
                            for key, value in fields.items()).encode("utf-8")
        try:
            with self._lock:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._sock.sendto(payload, self.address)
        except OSError as exc:
            # systemd gone or restarting: the service keeps running; say so once, not per ping.
            if not self._warned:
                log.warning("cannot notify systemd at %s: %s", self.address, exc.strerror or exc)
                self._warned = True
            return False
        self._warned = False
        return True

    def close(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()


def _socket_address(raw: str | None) -> str | None:
    """$NOTIFY_SOCKET as a socket address, or None when it is unset or not an AF_UNIX one."""
    if not raw:
        return None
    if raw.startswith("@"):
        address = "\0" + raw[1:]
    elif raw.startswith("/"):
        address = raw
    else:
        # systemd ≥ 254 may hand a VM an AF_VSOCK address ("vsock:CID:PORT"); a kiosk never
        # runs as one, and guessing at any other form would send our status somewhere wrong.
        log.warning("NOTIFY_SOCKET=%r is not an AF_UNIX socket; not notifying systemd", raw)
        return None
    if len(os.fsencode(address)) > _MAX_SUN_PATH:
        log.warning("NOTIFY_SOCKET is longer than %d bytes; not notifying systemd", _MAX_SUN_PATH)
        return None
    return address


def watchdog_interval_s(environ: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """systemd's watchdog interval for this process in seconds, or None when it wants no pings.

    As sd_watchdog_enabled(3): $WATCHDOG_USEC set to a positive integer, and $WATCHDOG_PID,
    when set, naming this process (a child that inherited the variables must not ping)."""
    env = os.environ if environ is None else environ
    usec, owner = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdecimal() or int(usec) <= 0:
        if usec:
            log.warning("WATCHDOG_USEC=%r is not a positive whole number; not pinging", usec)
        return None
    if owner and (not owner.isdecimal() or int(owner) != (os.getpid() if pid is None else pid)):
        return None
    return int(usec) / 1_000_000
