"""Central checks, one layer of the connection at a time: name resolution, TCP, TLS, the
kiosk's token, latency and clock skew. A layer that fails ends the list: its hint is the one
to act on, and the layers above it could only fail for the same reason.
"""

from __future__ import annotations

import concurrent.futures
import socket
import ssl
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from backend_client import errors
from backend_client.api import CentralAPI
from kiosk.sync import client as sync_client
from lobby_core.diagnostics import Check, Status

from .make import FAIL, PASS, WARN, check, one_line

STEP_TIMEOUT_S = 2.0  # each layer; a healthy central answers in milliseconds
REQUEST_TIMEOUT_S = 3.0
SLOW_MS = 1000
SKEW_WARN_S = 30.0  # as backend_client warns in the kiosk's log
DEFAULT_PORTS = {"http": 80, "https": 443}


def _resolve(host: str, port: int) -> str:
    """getaddrinfo has no timeout of its own: run it on a helper thread and stop waiting."""
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="diag-dns")
    try:
        future = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        infos = future.result(timeout=STEP_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        raise OSError("no answer from DNS in time") from None
    except socket.gaierror as exc:
        raise OSError(exc.strerror or str(exc)) from None
    finally:
        pool.shutdown(wait=False)
    return str(infos[0][4][0])


def central_checks(central: sync_client.CentralConfig) -> list[Check]:
    """A kiosk not enrolled yet (or a standalone one, members from CSV) does not use central:
    an unreachable one is then a warning, not a failure."""
    enrolled = sync_client.load_token(Path(central.data_dir)) is not None
    return [c if enrolled or c.status is not FAIL else _as(c, WARN)
            for c in _layers(central)]


def _as(c: Check, status: Status) -> Check:
    return Check(id=c.id, group=c.group, status=status, summary=c.summary, hint=c.hint,
                 code=c.code, params=c.params)


def _layers(central: sync_client.CentralConfig) -> list[Check]:
    parts = urlsplit(central.url)
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    out: list[Check] = []
    try:
        address = _resolve(host, port)
    except OSError as exc:
        return [check("central.dns", FAIL, "central.dns_failed", host=host, reason=one_line(exc))]
    out.append(check("central.dns", PASS, "central.dns_ok", host=host, address=address))
    try:
        sock = socket.create_connection((address, port), timeout=STEP_TIMEOUT_S)
    except OSError as exc:
        reason = "no connection in time" if isinstance(exc, TimeoutError) else (
            exc.strerror or str(exc))
        out.append(check("central.tcp", FAIL, "central.tcp_failed", host=host, port=port,
                         reason=one_line(reason)))
        return out
    with sock:
        out.append(check("central.tcp", PASS, "central.tcp_ok", host=host, port=port))
        if parts.scheme == "https":
            tls = _tls(sock, host, central.ca_bundle)
            out.append(tls)
            if tls.status is FAIL:
                return out
        else:
            out.append(check("central.tls", PASS, "central.tls_plain", host=host))
    out.extend(_auth_latency_clock(central))
    return out


def _tls(sock: socket.socket, host: str, ca_bundle: str) -> Check:
    try:
        ctx = ssl.create_default_context(cafile=ca_bundle or None)
        with ctx.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False) as tls:
            tls.do_handshake()
    except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return check("central.tls", FAIL, "central.tls_failed", host=host, reason=one_line(reason))
    return check("central.tls", PASS, "central.tls_ok", host=host)


def _auth_latency_clock(central: sync_client.CentralConfig) -> list[Check]:
    token = sync_client.load_token(Path(central.data_dir))
    if token is None:
        return [check("central.auth", WARN, "central.not_enrolled")]
    quick = replace(central, connect_timeout_s=STEP_TIMEOUT_S, read_timeout_s=REQUEST_TIMEOUT_S,
                    retries=0)
    api = CentralAPI(quick.client_settings(), token)
    try:
        started = time.monotonic()
        api.keys()  # small, authenticated, read-only
        ms = round((time.monotonic() - started) * 1000)
    except errors.NotAuthorised:
        return [check("central.auth", FAIL, "central.auth_refused")]
    except errors.CentralError as exc:
        return [check("central.auth", FAIL, "central.error", reason=one_line(exc))]
    finally:
        api.close()
    out = [check("central.auth", PASS, "central.auth_ok"),
           check("central.latency", WARN if ms > SLOW_MS else PASS,
                 "central.latency_slow" if ms > SLOW_MS else "central.latency_ok", ms=ms)]
    skew = api.clock_skew_s
    if skew is not None:
        off = abs(skew) > SKEW_WARN_S
        out.append(check("central.clock", WARN if off else PASS,
                         "central.clock_skew" if off else "central.clock_ok",
                         skew_s=f"{skew:+.0f}" if off else f"{max(abs(skew), 1):.0f}"))
    return out
