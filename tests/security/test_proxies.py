"""Forwarded headers count only from configured proxies: X-Forwarded-For sent by a client
(through uvicorn on 127.0.0.1, as `huiqi serve` runs it) no longer buys a fresh rate limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from huiqi.platform.security.proxies import UVICORN_OPTIONS, TrustedProxies, client_address
from tests.helpers.api import API, MakeApp
from tests.helpers.web import free_port

CASE = {"as_of": "2024-06-30", "fiscal_year": 2023, "enterprise": {"name": "x"}}


def _scope(peer: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 1234), "headers": headers}


def test_client_address_believes_only_trusted_proxies() -> None:
    none = TrustedProxies.parse("")
    assert client_address(_scope("127.0.0.1", "1.2.3.4"), none) == "127.0.0.1"
    proxies = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
    assert client_address(_scope("127.0.0.1", "1.2.3.4"), proxies) == "1.2.3.4"
    # the client's own X-Forwarded-For is the leftmost: the rightmost untrusted hop is taken
    assert client_address(_scope("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9"), proxies) == "1.2.3.4"
    assert client_address(_scope("198.51.100.7", "1.2.3.4"), proxies) == "198.51.100.7"
    with pytest.raises(ValueError, match="HUIQI_TRUSTED_PROXIES"):
        TrustedProxies.parse("10.0.0.0/8, not-an-ip")


# the `served` fixture: an app -> the base URL of a uvicorn serving it
Serve = Callable[[FastAPI], str]


@pytest.fixture
def served(make_app: MakeApp) -> Iterator[Serve]:
    """Start uvicorn as `huiqi serve` does (its options), for apps made by the test."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def serve(app: FastAPI) -> str:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN_OPTIONS)
        )
        t = threading.Thread(target=server.run, daemon=True)
        t.start()
        deadline = time.time() + 30
        while not server.started:
            assert time.time() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        servers.append((server, t))
        return f"http://127.0.0.1:{port}"

    yield serve
    for server, t in servers:
        server.should_exit = True
        t.join(timeout=10)


def test_spoofed_forwarded_for_does_not_bypass_the_rate_limit(
    make_app: MakeApp, served: Serve
) -> None:
    base = served(make_app(rate_per_second=0.001, burst=3))
    with httpx.Client(base_url=base) as c:
        codes = [
            c.post(
                f"{API}/evaluate", json=CASE, headers={"X-Forwarded-For": f"10.9.8.{i}"}
            ).status_code
            for i in range(6)
        ]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429, 429]


def test_a_configured_proxy_is_believed(make_app: MakeApp, served: Serve) -> None:
    base = served(make_app(rate_per_second=0.001, burst=1, trusted_proxies="127.0.0.1"))
    with httpx.Client(base_url=base) as c:
        first = [
            c.post(
                f"{API}/evaluate", json=CASE, headers={"X-Forwarded-For": f"10.9.8.{i}"}
            ).status_code
            for i in range(3)
        ]
        again = c.post(f"{API}/evaluate", json=CASE, headers={"X-Forwarded-For": "10.9.8.0"})
    assert first == [200, 200, 200]  # three clients behind the proxy, one token each
    assert again.status_code == 429
