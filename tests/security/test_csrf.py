"""A form on another site posting with the officer's cookie is refused before it runs; the
site's own forms, API clients and a deployment behind a proxy keep working. Logout is POST only.
On SQLite and PostgreSQL (the refused requests must not have touched the session)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.api import API, AsUser, MakeApp
from tests.helpers.web import session_client

EVIL = "https://evil.example"


def _logged_in(c: TestClient) -> bool:
    r = c.get("/officer/queue", follow_redirects=False)
    return r.status_code == 200


def test_cross_site_logout_post_is_refused_and_the_session_survives(app: FastAPI) -> None:
    officer = session_client(app, "district_dh")
    for headers in (
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Origin": EVIL},  # a browser without Fetch Metadata
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain or another port
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Referer": f"{EVIL}/attack.html"},
    ):
        r = officer.post("/logout", headers=headers, follow_redirects=False)
        assert r.status_code == 403, (headers, r.status_code)
        assert r.json()["errors"][0]["rule"] == "cross_site"
        assert _logged_in(officer), headers


def test_cross_site_review_decision_is_refused(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers={**as_user("enterprise1"), "Idempotency-Key": "csrf-1"},
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    officer = session_client(app, "district_dh")
    r = officer.post(
        f"/officer/applications/{app_id}",
        data={"action": "district", "outcome": "pass", "opinion": "跨站伪造的通过"},
        headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "拒绝来自其他网站的请求" in r.text
    detail = client.get(f"{API}/applications/{app_id}", headers=as_user("district_dh")).json()
    assert detail["status"] == "submitted" and detail["reviews"] == []
    # the same form from the site itself goes through
    r = officer.post(
        f"/officer/applications/{app_id}",
        data={"action": "district", "outcome": "pass", "opinion": "材料齐全"},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    detail = client.get(f"{API}/applications/{app_id}", headers=as_user("district_dh")).json()
    assert detail["status"] == "district_passed"


def test_same_origin_forms_and_api_clients_pass(app: FastAPI) -> None:
    officer = session_client(app, "district_dh")
    r = officer.post(
        "/logout",
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and not _logged_in(officer)
    # a client with a bearer token and no browser headers
    api = TestClient(app)
    token = api.post(f"{API}/auth/login", json={"username": "admin", "password": "demo123"})
    assert token.status_code == 200
    h = {"Authorization": f"Bearer {token.json()['token']}"}
    assert api.post(f"{API}/auth/logout", headers=h).status_code == 204


def test_logout_is_post_only(app: FastAPI) -> None:
    officer = session_client(app, "district_dh")
    r = officer.get("/logout", follow_redirects=False)
    assert r.status_code == 405
    assert _logged_in(officer)
    page = officer.get("/officer/queue").text
    assert '<form method="post" action="/logout"' in page
    assert 'href="/logout"' not in page


def test_behind_a_trusted_proxy_the_public_origin_is_the_sites_own(make_app: MakeApp) -> None:
    app = make_app(trusted_proxies="127.0.0.1")
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "huiqi.example.cn"}
    officer = session_client(app, "district_dh", client=("127.0.0.1", 50000))
    r = officer.post(
        "/logout",
        headers={**proxy, "Origin": "https://huiqi.example.cn"},
        follow_redirects=False,
    )
    assert r.status_code == 303

    # the same forwarded headers from a peer that is not a configured proxy count for nothing
    outsider = session_client(app, "district_dh", client=("198.51.100.7", 50000))
    r = outsider.post(
        "/logout",
        headers={**proxy, "Origin": "https://huiqi.example.cn"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and _logged_in(outsider)


def test_configured_public_origin_is_accepted(make_app: MakeApp) -> None:
    app = make_app(public_origins="https://huiqi.example.cn")
    officer = session_client(app, "district_dh")
    r = officer.post(
        "/logout", headers={"Origin": "https://huiqi.example.cn"}, follow_redirects=False
    )
    assert r.status_code == 303
