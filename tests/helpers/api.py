"""The REST API in tests: its prefix and a bearer-token login."""

from __future__ import annotations

from fastapi.testclient import TestClient

API = "/api/v1"


def login(client: TestClient, username: str, password: str = "demo123") -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
