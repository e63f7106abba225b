"""CentralAPI.post_events against a real local server: an acknowledgement must account for
every event sent; any other total is a protocol error, so the sync engine never marks such a
batch sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend_client import errors
from backend_client.api import CentralAPI
from backend_client.http import ClientSettings


class AckServer(ThreadingHTTPServer):
    """Answers POST /api/v1/events with the counts it is told to."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ack = {"accepted": 0, "duplicates": 0}
        self.received: list[int] = []


class _Handler(BaseHTTPRequestHandler):
    server: AckServer

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(len(body["events"]))
        out = json.dumps(self.server.ack).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture
def api() -> Iterator[tuple[CentralAPI, AckServer]]:
    srv = AckServer()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    host, port = srv.server_address[:2]
    client = CentralAPI(ClientSettings(base_url=f"http://{host}:{port}", retries=0), token="tok")
    yield client, srv
    client.close()
    srv.shutdown()
    srv.server_close()


EVENTS = [{"event_id": f"e-{i}"} for i in range(3)]


@pytest.mark.parametrize(("accepted", "duplicates"), [(2, 0), (1, 1), (0, 0), (0, 2), (3, 1), (4, 0)])
def test_an_ack_that_does_not_account_for_every_event_is_a_protocol_error(
        api: tuple[CentralAPI, AckServer], accepted: int, duplicates: int) -> None:
    client, srv = api
    srv.ack = {"accepted": accepted, "duplicates": duplicates}
    with pytest.raises(errors.CentralProtocolError, match=f"{accepted}\\+{duplicates} of 3"):
        client.post_events(EVENTS)
    assert srv.received == [3]


@pytest.mark.parametrize(("accepted", "duplicates"), [(3, 0), (1, 2), (0, 3)])
def test_an_ack_for_every_event_is_returned(api: tuple[CentralAPI, AckServer], accepted: int,
                                            duplicates: int) -> None:
    client, srv = api
    srv.ack = {"accepted": accepted, "duplicates": duplicates}
    result = client.post_events(EVENTS)
    assert (result.accepted, result.duplicates) == (accepted, duplicates)
