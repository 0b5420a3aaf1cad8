"""Helpers for tests that start background jobs: run the queue with the real worker code."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from huiqi.platform.jobs.runner import Worker

API = "/api/v1"


def drain(app: Any) -> list[int]:
    """Run every queued job in this process, as `huiqi worker --once` does."""
    return Worker(app.state.sessionmaker, name="test-worker").run_until_idle()


def run_campaign(
    client: TestClient, app: Any, headers: dict[str, str] | None, body: dict[str, Any]
) -> dict[str, Any]:
    """Start a campaign (202), run its job, return the finished campaign."""
    r = client.post(f"{API}/campaigns", json=body, headers=headers or {})
    assert r.status_code == 202, r.text
    drain(app)
    done = client.get(f"{API}/campaigns/{r.json()['id']}", headers=headers or {})
    assert done.status_code == 200, done.text
    return done.json()


def import_job(
    client: TestClient, app: Any, headers: dict[str, str], files: dict[str, Any]
) -> dict[str, Any]:
    """Upload an enterprise import (202), run its job, return the finished job."""
    r = client.post(f"{API}/enterprises/import", files=files, headers=headers)
    assert r.status_code == 202, r.text
    drain(app)
    return client.get(f"{API}/jobs/{r.json()['id']}", headers=headers).json()
