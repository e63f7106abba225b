"""The central HTTP client against a real local server that misbehaves on purpose."""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from backend_client import errors
from backend_client.http import CentralHTTP, ClientSettings
from backend_client.token_store import TokenStore


class Handler(BaseHTTPRequestHandler):
    server: FaultServer

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.hits.append((self.command, self.path, self.headers.get("Authorization")))
        mode = self.path.strip("/").split("?")[0]
        if mode in ("ok", "skew"):  # skew: see date_time_string
            self._send(200, json.dumps({"hello": "世界"}).encode())
        elif mode == "garbage":
            self._send(200, b"<html>not json")
        elif mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial": ')
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif mode == "reset":
            linger_zero = struct.pack("ii", 1, 0)  # close() then sends RST, not FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
            self.connection.close()
        elif mode == "e500":
            self._send(500, b'{"detail": "boom"}')
        elif mode == "e503":
            self._send(503, b'{"detail": "busy"}')
        elif mode == "e401":
            self._send(401, b'{"detail": "token revoked"}')
        elif mode == "e422":
            self._send(422, b'{"detail": "bad batch"}')
        elif mode == "slow":
            self.server.release.wait(5)
            self._send(200, b"{}")
        else:
            self._send(404, b'{"detail": "no such thing"}')

    do_POST = do_GET

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        if self.path.startswith("/skew"):
            return format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)
        return super().date_time_string(timestamp)


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: list[tuple[str, str, str | None]] = []
        self.release = threading.Event()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    srv = FaultServer()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def client(srv: FaultServer, **kw: object) -> CentralHTTP:
    host, port = srv.server_address[:2]
    settings = ClientSettings(base_url=f"http://{host}:{port}", retries=2, backoff_s=0.01,
                              connect_timeout_s=1, read_timeout_s=kw.pop("read_timeout_s", 2))  # type: ignore[arg-type]
    return CentralHTTP(settings, token="tok123")


def test_ok_sends_bearer_and_decodes(server: FaultServer) -> None:
    assert client(server).request("GET", "/ok") == {"hello": "世界"}
    assert server.hits[0][2] == "Bearer tok123"


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/garbage", errors.CentralProtocolError),
        ("/truncated", errors.CentralProtocolError),
        ("/e500", errors.CentralServerError),
        ("/e401", errors.NotAuthorised),
        ("/e422", errors.CentralRejected),
        ("/reset", errors.CentralUnreachable),
    ],
)
def test_faults_become_our_errors(server: FaultServer, path: str, error: type) -> None:
    with pytest.raises(error):
        client(server).request("GET", path)


def test_503_is_retried_then_reported(server: FaultServer) -> None:
    with pytest.raises(errors.CentralServerError):
        client(server).request("POST", "/e503", json_body={"x": 1})
    assert len(server.hits) == 3  # the first try and two retries


def test_post_once_is_not_retried(server: FaultServer) -> None:
    with pytest.raises(errors.CentralServerError):
        client(server).post_once("/e503", {"code": "x"})
    assert len(server.hits) == 1


def test_slow_server_times_out(server: FaultServer) -> None:
    c = client(server)
    c.settings = ClientSettings(base_url=c.settings.base_url, retries=0, read_timeout_s=0.2)
    c.session.close()
    c2 = CentralHTTP(c.settings, token="t")
    with pytest.raises(errors.CentralTimeout):
        c2.request("GET", "/slow")


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = CentralHTTP(ClientSettings(base_url=f"http://127.0.0.1:{port}", retries=0), token="t")
    with pytest.raises(errors.CentralUnreachable):
        c.request("GET", "/ok")


def test_tls_to_plain_server_is_a_tls_error(server: FaultServer) -> None:
    host, port = server.server_address[:2]
    c = CentralHTTP(ClientSettings(base_url=f"https://{host}:{port}", retries=0), token="t")
    with pytest.raises(errors.CentralTLSError):
        c.request("GET", "/ok")


def test_clock_skew_from_date_header(server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    c = client(server)
    c.request("GET", "/ok")
    assert c.clock_skew_s is not None and abs(c.clock_skew_s) < 5
    with caplog.at_level("WARNING"):
        c.request("GET", "/skew")
    assert c.clock_skew_s is not None and c.clock_skew_s < -250
    assert "clock differs" in caplog.text


def test_no_token_is_not_authorised_without_a_request(server: FaultServer) -> None:
    host, port = server.server_address[:2]
    c = CentralHTTP(ClientSettings(base_url=f"http://{host}:{port}"), token=None)
    with pytest.raises(errors.NotAuthorised):
        c.request("GET", "/ok")
    assert server.hits == []


def test_token_store_is_0600_and_round_trips(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "data")
    assert store.load() is None
    store.save("abc.DEF-123")
    assert store.load() == "abc.DEF-123"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    with pytest.raises(ValueError):
        store.save("has space")
    store.clear()
    assert store.load() is None
