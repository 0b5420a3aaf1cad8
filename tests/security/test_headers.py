"""Response headers and the session cookie: CSP without inline script, no framing, nosniff,
referrer policy; HttpOnly + SameSite=Lax always, Secure whenever the browser is on HTTPS
(directly, or through a configured proxy, never on a client's own say-so)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.helpers.api import API, MakeApp

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "huiqi" / "web" / "templates"


def _session_cookie(r: Response) -> str:
    cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie"]
    found = [c for c in cookies if c.startswith("huiqi_session=")]
    assert found, cookies
    return found[0]


def test_pages_and_api_carry_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/policy", "/login", f"{API}/health", "/no-such-page"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-frame-options"] == "DENY"


def test_templates_have_no_inline_script() -> None:
    """script-src 'self' would block it: every script lives in static/*.js."""
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template.name  # onclick= and the like
        assert "javascript:" not in text, template.name


def test_cookie_over_plain_http_is_httponly_lax_and_not_secure(client: TestClient) -> None:
    r = client.post(f"{API}/auth/login", json={"username": "admin", "password": "demo123"})
    cookie = _session_cookie(r).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_cookie_over_https_is_secure(app: FastAPI) -> None:
    c = TestClient(app, base_url="https://testserver")
    r = c.post("/login", data={"username": "admin", "password": "demo123"}, follow_redirects=False)
    cookie = _session_cookie(r).lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_forwarded_proto_counts_only_from_a_trusted_proxy(make_app: MakeApp) -> None:
    app = make_app(trusted_proxies="10.0.0.0/8")
    body = {"username": "admin", "password": "demo123"}
    https = {"X-Forwarded-Proto": "https"}
    behind = TestClient(app, client=("10.1.2.3", 40000))
    assert (
        "secure"
        in _session_cookie(behind.post(f"{API}/auth/login", json=body, headers=https)).lower()
    )
    direct = TestClient(app, client=("198.51.100.7", 40000))
    cookie = _session_cookie(direct.post(f"{API}/auth/login", json=body, headers=https)).lower()
    assert "secure" not in cookie


def test_cookie_secure_always(make_app: MakeApp) -> None:
    app = make_app(cookie_secure="always")
    r = TestClient(app).post(f"{API}/auth/login", json={"username": "admin", "password": "demo123"})
    assert "secure" in _session_cookie(r).lower()
