"""Fixtures for the web tests: a platform app on a temp SQLite file with the demo data.

The browser tests start a real uvicorn on a free loopback port; the fast tests use TestClient.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.server import create_app
from tests.platform.calendar_setup import cover_next_year
from tests.platform.clock_setup import demo_clock, set_today  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"


def make_app(tmp: Path, *, run_jobs: bool = False) -> FastAPI:
    app = create_app(f"sqlite:///{tmp / 'web.db'}", seed_demo=True, run_jobs=run_jobs)
    cover_next_year(app)
    return app


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


def login(client: TestClient, username: str, password: str = "demo123") -> None:
    r = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


@pytest.fixture
def client_for(app: FastAPI) -> Iterator[object]:
    clients: list[TestClient] = []

    def make(username: str | None = None) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        if username:
            login(c, username)
        return c

    yield make
    for c in clients:
        c.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn serving the platform + pages in a thread, on a free loopback port."""
    import uvicorn

    app = make_app(tmp_path_factory.mktemp("live"), run_jobs=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    t.join(timeout=10)
