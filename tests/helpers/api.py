"""The REST API in tests: its prefix, a bearer-token login and the types of the fixtures that
hand out logins and apps."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

API = "/api/v1"
# the `as_user` fixture: a demo username -> the Authorization header of its login
AsUser = Callable[[str], dict[str, str]]
# the `make_app` fixture of the security tests: PlatformSettings fields -> a platform app
MakeApp = Callable[..., FastAPI]


def login(client: TestClient, username: str, password: str = "demo123") -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
