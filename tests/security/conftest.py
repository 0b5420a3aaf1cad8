"""The platform fixtures (SQLite and PostgreSQL for every test that touches the database) and
a raw ASGI driver for attacks a test client would soften (bodies streamed chunk by chunk)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.app import create_app
from huiqi.platform.settings import PlatformSettings
from tests.platform.clock_setup import demo_clock  # noqa: F401  (claims are taken in a round)
from tests.platform.conftest import (  # noqa: F401
    app,
    as_user,
    client,
    database_url,
    login,
    next_year_recorded,
)

API = "/api/v1"

# the `make_app` fixture: PlatformSettings fields -> a platform app built with them
MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_app(database_url: str) -> Iterator[MakeApp]:  # noqa: F811
    """create_app with settings changed for one test (demo data seeded)."""
    made: list[FastAPI] = []

    def make(**settings: Any) -> FastAPI:
        application = create_app(
            database_url, seed_demo=True, settings=PlatformSettings(**settings)
        )
        made.append(application)
        return application

    yield make
    for application in made:
        application.state.engine.dispose()


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


def session_client(application: FastAPI, username: str, **kwargs: Any) -> TestClient:
    """A browser-like client logged in through the login page (session cookie set)."""
    c = TestClient(application, **kwargs)
    r = c.post("/login", data={"username": username, "password": "demo123"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c
