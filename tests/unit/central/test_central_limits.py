"""The body size limit middleware, driven as a plain ASGI app (no sockets)."""

from __future__ import annotations

import asyncio
from typing import Any

from central.limits import BodySizeLimit


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def _run(app: Any, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    it = iter(chunks)

    async def receive() -> dict[str, Any]:
        chunk = next(it, b"")
        return {"type": "http.request", "body": chunk, "more_body": chunk != b""}

    async def send(msg: dict[str, Any]) -> None:
        sent.append(msg)

    asyncio.run(app({"type": "http", "path": "/api/v1/events", "headers": headers}, receive, send))
    return sent


def test_declared_length_over_the_limit_is_refused_unread() -> None:
    out = _run(BodySizeLimit(_echo, max_body=10), [b"x" * 5], [(b"content-length", b"11")])
    assert out[0]["status"] == 413


def test_chunked_body_over_the_limit_is_refused() -> None:
    out = _run(BodySizeLimit(_echo, max_body=10), [b"x" * 6, b"y" * 6], [])
    assert out[0]["status"] == 413 and b"10 bytes" in out[1]["body"]


def test_bodies_within_the_limit_pass_and_overrides_apply() -> None:
    out = _run(BodySizeLimit(_echo, max_body=10), [b"x" * 6, b"y" * 4], [])
    assert out[0]["status"] == 200 and out[1]["body"] == b"10"
    big = BodySizeLimit(_echo, max_body=10, overrides={"/api/v1/": 100})
    assert _run(big, [b"x" * 50], [(b"content-length", b"50")])[0]["status"] == 200
    assert _run(big, [b"x"], [(b"content-length", b"not a number")])[0]["status"] == 413
