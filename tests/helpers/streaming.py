"""Bodies offered to an ASGI app in chunks, as a slow client sends them."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Streamed:
    """What an ASGI app did with a body offered in chunks."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    bytes_pulled: int = 0


async def stream_to(
    asgi_app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    total: int,
    chunk: bytes,
    peer: tuple[str, int] = ("203.0.113.9", 40000),
) -> Streamed:
    """Offer `total` bytes of body in `chunk`-sized pieces, as a slow client would, and record
    how many the app pulled before it answered."""
    out = Streamed()
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent >= total:
            return {"type": "http.disconnect"}
        piece = chunk[: total - sent]
        sent += len(piece)
        out.bytes_pulled = sent
        return {"type": "http.request", "body": piece, "more_body": sent < total}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out.status = message["status"]
            out.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": peer,
        "server": ("testserver", 80),
        "state": {},
    }
    await asgi_app(scope, receive, send)
    return out


def run(coro: Coroutine[Any, Any, Streamed]) -> Streamed:
    import asyncio

    return asyncio.run(coro)
