"""Inputs that used to end in a 500 answer 4xx naming the field, on SQLite and PostgreSQL: NUL
characters anywhere (login, JSON, forms, query, multipart text), ids beyond the INTEGER range
in page URLs and API paths, 1e400, NaN/Infinity and 5,000-deep JSON."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.helpers.api import API, AsUser
from tests.helpers.web import session_client

CASE = (
    b'{"as_of":"2024-06-30","fiscal_year":2023,"enterprise":{"name":"x"},'
    b'"annual":{"2023":{"revenue":%s}}}'
)


def _error(r: Response, status: int | tuple[int, ...] = 422) -> dict[str, str]:
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    return r.json()["errors"][0]


def test_nul_in_login(client: TestClient) -> None:
    err = _error(
        client.post(f"{API}/auth/login", json={"username": "ad\u0000min", "password": "x"})
    )
    assert err["path"] == "username" and err["rule"] == "nul_character"
    err = _error(
        client.post(f"{API}/auth/login", json={"username": "admin", "password": "a\u0000"})
    )
    assert err["path"] == "password"
    r = client.post("/login", data={"username": "ad\x00min", "password": "x"})
    assert _error(r)["path"] == "username"


def test_nul_in_json_fields_forms_and_queries(
    client: TestClient, as_user: AsUser, app: FastAPI
) -> None:
    admin = as_user("admin")
    body = {
        "credit_code": "91420100MA4K5Q8U19",
        "name": "示例\u0000公司",
        "district": "江岸区",
        "industry": "软件",
    }
    err = _error(client.post(f"{API}/enterprises", json=body, headers=admin))
    assert err["path"] == "name"
    nested = {"title": "公示", "application_ids": [1], "note": {"x": ["ok", "a\u0000"]}}
    err = _error(client.post(f"{API}/notices", json=nested, headers=as_user("city_kj")))
    assert err["path"] == "note.x[1]"
    err = _error(client.get(f"{API}/enterprises", params={"q": "a\x00b"}, headers=admin))
    assert err["path"] == "q"
    officer = session_client(app, "district_dh")
    err = _error(officer.get("/officer/queue", params={"status": "\x00"}))
    assert err["path"] == "status"
    err = _error(
        officer.post("/officer/applications/1", data={"action": "district", "opinion": "\x00"})
    )
    assert err["path"] == "opinion"
    r = client.post(
        f"{API}/notices/1/public-objections",
        data={"application_id": "1", "real_name": "王\x00明"},
        files=[("evidence", ("a.pdf", b"%PDF-1.4\x00\x00binary", "application/pdf"))],
    )
    assert _error(r)["path"] == "real_name"  # the file part may hold NUL bytes; text may not


@pytest.mark.parametrize(
    "path",
    [
        "/officer/applications/99999999999",
        "/enterprise/applications/2147483648",
        "/expert/applications/99999999999999999999999",
        "/supervisor/tasks/99999999999",
        "/notices/99999999999",
        f"{API}/applications/99999999999",
        f"{API}/enterprises/99999999999",
        f"{API}/notices/99999999999",
        f"{API}/payments/applications/99999999999",
    ],
)
def test_ids_beyond_the_integer_range(app: FastAPI, path: str) -> None:
    c = session_client(app, "admin")
    r = c.get(path)
    err = _error(r, (404, 422))
    assert err["path"].endswith("id") or err["path"] in ("batch_id", "app_id", "task_id")


def test_a_browser_gets_a_page_not_json(app: FastAPI) -> None:
    c = session_client(app, "admin")
    r = c.get("/officer/applications/99999999999", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "编号 99999999999 不存在" in r.text and 'lang="zh-CN"' in r.text


def test_ids_beyond_the_integer_range_in_posts(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    c = session_client(app, "admin")
    err = _error(
        c.post("/officer/applications/99999999999", data={"action": "district"}), (404, 422)
    )
    assert err["path"] == "app_id"
    r = client.post(
        f"{API}/reviews/99999999999/district", json={"outcome": "pass"}, headers=as_user("admin")
    )
    assert _error(r, (404, 422))["path"] == "application_id"


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        (b"1e400", "number_range"),
        (b"-1e400", "number_range"),
        (b"NaN", "number"),
        (b"Infinity", "number"),
        (b"-Infinity", "number"),
        (b"123456789012345678901234567890", "number_range"),
    ],
)
def test_calculator_numbers(client: TestClient, number: bytes, rule: str) -> None:
    for path in (f"{API}/evaluate", f"{API}/explain"):
        r = client.post(path, content=CASE % number, headers={"Content-Type": "application/json"})
        err = _error(r)
        assert err["path"] == "annual.2023.revenue" and err["rule"] == rule, err


def test_deep_nesting(client: TestClient, as_user: AsUser) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    for path in (f"{API}/evaluate", f"{API}/explain"):
        err = _error(client.post(path, content=deep))
        assert err["rule"] == "depth" and err["path"] == "$"
    deep_field = b'{"title": "x", "application_ids": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = client.post(
        f"{API}/notices",
        content=deep_field,
        headers={**as_user("city_kj"), "Content-Type": "application/json"},
    )
    assert _error(r)["rule"] == "depth"
    # brackets inside strings are text, not nesting
    text = b'{"as_of":"2024-06-30","fiscal_year":2023,"enterprise":{"name":"' + b"[" * 5000 + b'"}}'
    assert client.post(f"{API}/evaluate", content=text).status_code == 200


def test_numbers_in_api_bodies(client: TestClient, as_user: AsUser) -> None:
    h = {**as_user("admin"), "Content-Type": "application/json"}
    r = client.put(
        f"{API}/enterprises/1/figures/2023", content=b'{"revenue_fen": 1e400}', headers=h
    )
    assert _error(r)["path"] == "revenue_fen"
    r = client.put(f"{API}/enterprises/1/figures/2023", content=b'{"revenue_fen": NaN}', headers=h)
    assert _error(r)["path"] == "revenue_fen"
    big = b'{"revenue_fen": 99999999999999999999999}'
    assert (
        _error(client.put(f"{API}/enterprises/1/figures/2023", content=big, headers=h))["path"]
        == "revenue_fen"
    )
