"""Served under a sub-path (`huiqi serve --root-path /huiqi` behind a proxy), every link a page
writes, every form action, every asset and every redirect stays under that sub-path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.web import make_app

ROOT = "/huiqi"
URL_ATTR = re.compile(r'(?:href|action|src|data-poll)="([^"#][^"]*)"')

PAGES = {
    None: ["/", "/policy", "/policy/measures/2.6.1", "/calculator", "/notices", "/login"],
    "enterprise1": ["/enterprise", "/enterprise/applications", "/enterprise/offers"],
    "city_jx": ["/officer/queue", "/officer/notices", "/officer/payments", "/analyst"],
    "admin": ["/analyst/screening", "/supervisor/tasks", "/expert/queue"],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return make_app(tmp_path_factory.mktemp("rootpath"))


def client(app: FastAPI, username: str | None) -> TestClient:
    c = TestClient(app, root_path=ROOT)
    if username:
        r = c.post(
            f"{ROOT}/login",
            data={"username": username, "password": "demo123"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"].startswith(f"{ROOT}/")
    return c


def links(html: str) -> list[str]:
    return [u for u in URL_ATTR.findall(html) if not u.startswith(("http", "mailto:"))]


@pytest.mark.parametrize("username", list(PAGES))
def test_every_link_stays_under_the_sub_path(app: FastAPI, username: str | None) -> None:
    c = client(app, username)
    seen = 0
    for path in PAGES[username]:
        r = c.get(ROOT + path)
        assert r.status_code == 200, (path, r.text[:300])
        for url in links(r.text):
            seen += 1
            assert url.startswith(f"{ROOT}/"), f"{path}: {url}"
    assert seen > 10


def test_assets_and_links_resolve_under_the_sub_path(app: FastAPI) -> None:
    c = client(app, "city_jx")
    html = c.get(f"{ROOT}/officer/queue").text
    for url in {u.split("?")[0] for u in links(html)} - {f"{ROOT}/logout"}:
        assert c.get(url).status_code == 200, url


def test_login_redirect_round_trip_keeps_the_sub_path(app: FastAPI) -> None:
    c = TestClient(app, root_path=ROOT)
    r = c.get(f"{ROOT}/officer/queue", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"{ROOT}/login?next=%2Fofficer%2Fqueue"
    r = c.post(
        f"{ROOT}/login",
        data={"username": "district_dh", "password": "demo123", "next": "/officer/queue"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"{ROOT}/officer/queue"
    r = c.post(f"{ROOT}/logout", follow_redirects=False)
    assert r.headers["location"].startswith(f"{ROOT}/?msg=")


def test_templates_have_no_root_relative_links() -> None:
    """A new template with href="/..." would break a sub-path deployment: write {{ root }}/..."""
    templates = Path(__file__).resolve().parents[2] / "src/huiqi/web/templates"
    bad = [
        f"{t.name}: {m.group(0)}"
        for t in templates.glob("*.html")
        for m in re.finditer(r'(?:href|action|src|data-[a-z-]+)="/', t.read_text())
    ]
    assert bad == []
