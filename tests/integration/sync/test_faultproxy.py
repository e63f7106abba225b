"""The fault proxy itself, against a real HTTP server: each mode does what it says, per
request even on a kept-alive connection, and every request is counted."""

from __future__ import annotations

import requests

from tests.faultproxy import FaultProxy


def test_modes_apply_per_request_and_are_counted(sync_central) -> None:
    port = int(sync_central.base.rsplit(":", 1)[1])
    with FaultProxy(("127.0.0.1", port)) as proxy, requests.Session() as s:
        assert s.get(proxy.url + "/healthz", timeout=5).json() == {"status": "ok"}
        proxy.mode = "http500"  # same kept-alive connection, new mode
        assert s.get(proxy.url + "/healthz", timeout=5).status_code == 500
        proxy.mode = "garbage"
        r = s.get(proxy.url + "/healthz", timeout=5)
        assert r.status_code == 200 and r.content == b"<html>oops"
        proxy.mode = "truncate"
        proxy.truncate_at = 3
        try:
            s.get(proxy.url + "/healthz", timeout=5).content  # noqa: B018
            raise AssertionError("a truncated body must not read as complete")
        except requests.exceptions.ChunkedEncodingError:
            pass
        for mode in ("drop", "reset"):
            proxy.mode = mode
            try:
                requests.get(proxy.url + "/healthz", timeout=5)
                raise AssertionError(f"{mode} must fail the request")
            except requests.exceptions.ConnectionError:
                pass
        proxy.mode = "delay"
        proxy.delay_s = 2.0
        try:
            requests.get(proxy.url + "/healthz", timeout=0.5)
            raise AssertionError("delay must outlast the timeout")
        except requests.exceptions.ReadTimeout:
            pass
        assert [r.mode for r in proxy.requests] == [
            "pass", "http500", "garbage", "truncate", "drop", "reset", "delay"]
        assert proxy.count("/healthz") == 7
