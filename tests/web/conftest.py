"""Fixtures for the web tests: a platform app on a temp SQLite file with the demo data.

The browser tests start a real uvicorn on a free loopback port; the fast tests use TestClient.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.browser import browser, new_page  # noqa: F401  (fixtures)
from tests.helpers.clock import demo_clock, set_today  # noqa: F401  (fixtures)
from tests.helpers.web import ROOT, SHOTS, free_port, login, make_app  # noqa: F401  (re-exported)


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


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
