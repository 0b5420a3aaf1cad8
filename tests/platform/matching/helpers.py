"""Entries made through the API, as their owners and the curators would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1/matching"


def entry(
    client: TestClient,
    headers: dict[str, str],
    kind: str,
    title: str,
    description: str,
    *,
    field: str = "大数据",
    district: str = "江岸区",
    category: str | None = None,
    submit: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "kind": kind,
        "category": category or ("reform" if kind == "demand" else "solution"),
        "title": title,
        "description": description,
        "field": field,
        "district": district,
        **extra,
    }
    r = client.post(f"{API}/entries", headers=headers, json=body, params={"submit": submit})
    assert r.status_code == 201, r.text
    return dict(r.json())


def published(
    client: TestClient,
    owner: dict[str, str],
    curator: dict[str, str],
    kind: str,
    title: str,
    description: str,
    **kw: Any,
) -> dict[str, Any]:
    e = entry(client, owner, kind, title, description, **kw)
    r = client.post(f"{API}/entries/{e['id']}/publish", headers=curator, json={})
    assert r.status_code == 200, r.text
    return dict(r.json())


def public(client: TestClient) -> TestClient:
    """The client as the public: logging in left a session cookie in its jar."""
    client.cookies.clear()
    return client
