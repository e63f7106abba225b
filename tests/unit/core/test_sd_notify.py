"""sd_notify: one datagram of UTF-8 KEY=value lines, to a real AF_UNIX socket like systemd's."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lobby_core.sd_notify import Notifier, watchdog_interval_s
from tests.fixtures.notify_socket import NotifySocket


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[NotifySocket]:
    ns = NotifySocket(str(tmp_path / "notify.sock"))
    yield ns
    ns.close()


def test_fields_arrive_as_one_datagram(listener: NotifySocket) -> None:
    n = Notifier.from_environment({"NOTIFY_SOCKET": listener.address})
    assert n.enabled
    assert n.send(READY="1", STATUS="就绪：会所大堂") is True
    msg = listener.wait("READY")
    assert msg == {"READY": "1", "STATUS": "就绪：会所大堂"}  # UTF-8, not dropped as in Latin-1
    assert len(listener.raw) == 1
    n.close()


def test_abstract_namespace_address() -> None:
    ns = NotifySocket(f"@lobby-test-{uuid.uuid4().hex}")
    try:
        n = Notifier(ns.address)
        assert n.address == "\0" + ns.address[1:]
        assert n.send(WATCHDOG="1")
        assert ns.wait("WATCHDOG", "1") == {"WATCHDOG": "1"}
        n.close()
    finally:
        ns.close()


def test_a_line_break_in_a_value_cannot_add_a_field(listener: NotifySocket) -> None:
    n = Notifier(listener.address)
    assert n.send(STATUS="reader stuck\nREADY=1\r\nWATCHDOG=trigger")
    msg = listener.wait("STATUS")
    assert msg == {"STATUS": "reader stuck READY=1 WATCHDOG=trigger"}
    n.close()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_status_text_is_exactly_one_field(text: str) -> None:
    # Checked on the payload itself: what systemd would split into lines.
    sent: list[bytes] = []
    n = Notifier("/nonexistent/notify.sock")
    n._sock = _FakeSock(sent)  # type: ignore[assignment]
    assert n.send(STATUS=text)
    (payload,) = sent
    lines = payload.decode("utf-8").split("\n")
    assert len(lines) == 1 and lines[0].startswith("STATUS=")


class _FakeSock:
    def __init__(self, sent: list[bytes]) -> None:
        self.sent = sent

    def sendto(self, data: bytes, _address: str) -> int:
        self.sent.append(data)
        return len(data)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("value", [None, ""])
def test_without_notify_socket_nothing_is_sent(value: str | None) -> None:
    env = {} if value is None else {"NOTIFY_SOCKET": value}
    n = Notifier.from_environment(env)
    assert not n.enabled
    assert n.send(READY="1") is False


@pytest.mark.parametrize("value", ["vsock:2:1234", "relative/notify.sock", "/" + "x" * 120])
def test_addresses_we_cannot_use_are_refused_with_a_warning(
        value: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lobby_core.sd_notify"):
        n = Notifier(value)
    assert not n.enabled and n.send(READY="1") is False
    assert "not notifying systemd" in caplog.text


def test_a_vanished_socket_is_reported_once_and_never_raises(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ns = NotifySocket(str(tmp_path / "gone.sock"))
    n = Notifier(ns.address)
    assert n.send(WATCHDOG="1")
    ns.close()
    os.unlink(ns.address)
    with caplog.at_level(logging.WARNING, logger="lobby_core.sd_notify"):
        assert n.send(WATCHDOG="1") is False
        assert n.send(WATCHDOG="1") is False
    assert caplog.text.count("cannot notify systemd") == 1
    # systemd back: sends work again, and the next failure is reported again.
    ns2 = NotifySocket(ns.address)
    try:
        assert n.send(WATCHDOG="1")
        assert ns2.wait("WATCHDOG", "1")
    finally:
        ns2.close()
    n.close()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "20000000"}, 20.0),
        ({"WATCHDOG_USEC": "1500000", "WATCHDOG_PID": "4242"}, 1.5),
        ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "4243"}, None),  # someone else's
        ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "abc"}, None),
        ({}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "-5"}, None),
        ({"WATCHDOG_USEC": "20s"}, None),
        ({"WATCHDOG_USEC": ""}, None),
    ],
)
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    assert watchdog_interval_s(env, pid=4242) == expected


def test_watchdog_pid_defaults_to_this_process() -> None:
    env = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval_s(env) == 2.0
    assert watchdog_interval_s({**env, "WATCHDOG_PID": str(os.getpid() + 1)}) is None
