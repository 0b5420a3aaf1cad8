"""The zh-CN site in tests: an app with the demo data, a page login, a free port."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.server import create_app
from tests.helpers.calendar import cover_next_year
from tests.helpers.db_snapshot import prefill
from tests.helpers.workers import free_port  # noqa: F401  (re-exported)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"


def make_app(tmp: Path, *, run_jobs: bool = False) -> FastAPI:
    url = f"sqlite:///{tmp / 'web.db'}"
    prefill(url)  # the migrated, seeded snapshot: create_app finds nothing left to do
    app = create_app(url, seed_demo=True, run_jobs=run_jobs)
    cover_next_year(app)
    return app


def login(client: TestClient, username: str, password: str = "demo123") -> None:
    r = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def session_client(application: FastAPI, username: str, **kwargs: Any) -> TestClient:
    """A browser-like client logged in through the login page (session cookie set)."""
    c = TestClient(application, **kwargs)
    r = c.post("/login", data={"username": username, "password": "demo123"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c
