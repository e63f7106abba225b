"""The control socket on a real Unix socket: owner-only, one JSON request and reply per
connection, and hostile clients (garbage, oversize, silent, too many) get a clear error or
nothing, while the next honest client is still served."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.app.diagnostics.control import (
    MAX_CLIENTS,
    MAX_REQUEST,
    ControlError,
    ControlServer,
    Handlers,
    ask,
    parse_request,
    socket_path,
)
from kiosk.app.diagnostics.make import PASS, check
from lobby_core.diagnostics import Check, Report


class Recorder:
    """Handlers that record who asked for what (the logic under test is the socket's)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.block = threading.Event()
        self.block.set()

    def diagnose(self) -> Report:
        self.block.wait(10)
        return Report(checks=[check("config.file", PASS, "config.ok", path="x.toml")],
                      at=datetime.now(UTC))

    def pulse(self, who: str) -> Check:
        self.asked.append(("pulse", who))
        return check("action.pulse", PASS, "action.pulse_ok", channel=0, ms=400)

    def print_test(self, who: str) -> Check:
        self.asked.append(("print", who))
        raise RuntimeError("printer driver bug with secret detail")

    def bundle(self) -> bytes:
        return b"\x1f\x8b tar bytes"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ControlServer, Recorder]]:
    rec = Recorder()
    server = ControlServer(tmp_path, Handlers(rec.diagnose, rec.pulse, rec.print_test, rec.bundle))
    assert server.start()
    yield server, rec
    rec.block.set()
    server.stop()


def raw(path: Path, data: bytes, *, shut: bool = True, timeout: float = 5) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def test_socket_is_owner_only_and_removed_on_stop(tmp_path: Path,
                                                  served: tuple[ControlServer, Recorder]) -> None:
    server, _ = served
    mode = stat.S_IMODE(os.stat(server.path).st_mode)
    assert mode == 0o600
    server.stop()
    assert not server.path.exists()


def test_status_pulse_print_bundle(tmp_path: Path, served: tuple[ControlServer, Recorder]) -> None:
    _, rec = served
    status = ask(tmp_path, "status")
    assert status["pid"] == os.getpid()
    assert Report.from_json(status["report"]).checks[0].code == "config.ok"
    assert ask(tmp_path, "pulse", requested_by="alice")["check"]["code"] == "action.pulse_ok"
    assert rec.asked == [("pulse", "alice")]
    assert ask(tmp_path, "bundle")["bundle"] == "H4sgdGFyIGJ5dGVz"


def test_a_handler_that_crashes_is_an_error_reply_without_its_details(
        tmp_path: Path, served: tuple[ControlServer, Recorder]) -> None:
    with pytest.raises(ControlError, match="print failed inside the kiosk: RuntimeError") as exc:
        ask(tmp_path, "print")
    assert "secret" not in str(exc.value)
    assert ask(tmp_path, "status")["ok"] is True  # still serving


@pytest.mark.parametrize(("request_bytes", "error"), [
    (b"not json\n", "not a JSON object"),
    (b"[1, 2]\n", "not a JSON object"),
    (b'{"cmd": "reboot"}\n', "unknown command"),
    (b'{"cmd": "pulse", "requested_by": 7}\n', "requested_by must be text"),
    (b"\xff\xfe\n", "not a JSON object"),
    (b"\n", "not a JSON object"),
    (b"x" * (MAX_REQUEST + 10), f"longer than {MAX_REQUEST}"),
])
def test_hostile_requests_get_a_specific_error(tmp_path: Path, request_bytes: bytes, error: str,
                                               served: tuple[ControlServer, Recorder]) -> None:
    reply = json.loads(raw(socket_path(tmp_path), request_bytes))
    assert reply["ok"] is False and error in reply["error"]
    assert served[1].asked == []


def test_a_silent_client_is_dropped_and_others_are_served(
        tmp_path: Path, served: tuple[ControlServer, Recorder]) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
        idle.connect(str(socket_path(tmp_path)))  # says nothing
        assert ask(tmp_path, "status")["ok"] is True
        idle.settimeout(10)
        assert idle.recv(100) == b""  # closed by the server after its request timeout


def test_too_many_at_once_are_told_busy(tmp_path: Path,
                                        served: tuple[ControlServer, Recorder]) -> None:
    _, rec = served
    rec.block.clear()  # every status waits
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(
        json.dumps(json.loads(raw(socket_path(tmp_path), b'{"cmd": "status"}\n', timeout=20)))))
        for _ in range(MAX_CLIENTS)]
    for t in threads:
        t.start()
    from tests.fixtures.kiosk import wait_for

    # The slots fill as the server takes each connection.
    wait_for(lambda: served[0]._slots._value == 0, 10, "every slot to be taken")  # type: ignore[attr-defined]
    with pytest.raises(ControlError, match="busy"):
        ask(tmp_path, "status")
    rec.block.set()
    for t in threads:
        t.join(20)
    assert len(results) == MAX_CLIENTS and all('"ok": true' in r for r in results)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600))
def test_random_bytes_never_break_the_server(tmp_path: Path, data: bytes,
                                             served: tuple[ControlServer, Recorder]) -> None:
    reply = raw(socket_path(tmp_path), data)
    parsed = json.loads(reply)
    assert isinstance(parsed, dict) and "ok" in parsed
    assert served[1].asked == [] or all(a[0] == "pulse" for a in served[1].asked)


def test_parse_request_defaults_requested_by() -> None:
    assert parse_request(b'{"cmd": "status"}') == {"cmd": "status", "requested_by": "kiosk diag"}


def test_a_stale_socket_file_is_replaced_and_a_live_one_left_alone(tmp_path: Path) -> None:
    rec = Recorder()
    handlers = Handlers(rec.diagnose, rec.pulse, rec.print_test, rec.bundle)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(socket_path(tmp_path)))
    stale.close()  # the file stays, nobody listens: a kiosk that died
    first = ControlServer(tmp_path, handlers)
    assert first.start()
    try:
        second = ControlServer(tmp_path, handlers)
        assert second.start() is False  # another live kiosk on this data_dir serves it
        assert ask(tmp_path, "status")["ok"] is True
    finally:
        first.stop()


def test_asking_with_no_kiosk_says_so(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="no control socket"):
        ask(tmp_path, "status")
