"""Every page names its JSON twin in a `Link: <…?format=json>; rel="alternate";
type="application/json"` header (as datasette does), and that address answers JSON: the crawler
of site_walk visits every page shape each role can reach, error pages included."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.site_walk import ROLES, build_world, crawl
from tests.web.conftest import login, make_app

LINK = re.compile(r'^<([^>]+)>; rel="alternate"; type="application/json"$')
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, Any]]]:
    app = make_app(Path(tmp_path_factory.mktemp("twins")))
    yield app, build_world(app)
    app.state.engine.dispose()


def check_twin(client: TestClient, url: str, page: Any) -> list[str]:
    """What is wrong with the page's Link header or the JSON behind it (nothing: [])."""
    match = LINK.match(page.headers.get("link", ""))
    if match is None:
        return [f"{url}: no JSON twin Link header (got {page.headers.get('link')!r})"]
    twin_url = match.group(1)
    if "format=json" not in twin_url:
        return [f"{url}: Link {twin_url} is not the ?format=json twin"]
    twin = client.get(twin_url)
    if not twin.headers.get("content-type", "").startswith("application/json"):
        return [f"{url}: {twin_url} answered {twin.headers.get('content-type')}"]
    body = twin.json()
    if twin.status_code != page.status_code:
        return [f"{url}: page {page.status_code}, twin {twin_url} {twin.status_code}"]
    if page.status_code == 200 and "page" not in body:
        return [f"{url}: twin {twin_url} has no page title: {sorted(body)[:5]}"]
    if page.status_code >= 400 and not body.get("errors"):
        return [f"{url}: error page's twin {twin_url} carries no errors"]
    return []


@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "public")
def test_every_page_links_its_json_twin(
    world: tuple[FastAPI, dict[str, Any]], username: str | None
) -> None:
    app, _ = world
    client = TestClient(app, raise_server_exceptions=False)
    if username:
        login(client, username)
    problems: list[str] = []

    def visit(url: str) -> list[str]:
        page = client.get(url)
        if not page.headers.get("content-type", "").startswith("text/html"):
            return []  # a download or a redirect to one: not a page
        problems.extend(check_twin(client, url, page))
        return [html.unescape(u) for u in HREF.findall(page.text) if not u.startswith("//")]

    start = [client.get("/").url.path, "/", "/no-such-page", "/notices"]
    pages = crawl(visit, start)
    assert len(pages) >= 3, pages
    assert problems == [], "\n".join(problems)


def test_a_page_answers_the_link_it_names(world: tuple[FastAPI, dict[str, Any]]) -> None:
    """The header is the page's own address with its query kept and format=json added."""
    app, ids = world
    client = TestClient(app)
    login(client, "city_kj")
    page = client.get("/officer/queue?status=noticed")
    match = LINK.match(page.headers["link"])
    assert match is not None
    assert match.group(1) == "/officer/queue?status=noticed&format=json"
    twin = client.get(match.group(1)).json()
    assert twin["page"] == "待审队列" and twin["status_filter"] == "noticed"
    assert any(row["id"] == ids["decided"] for row in twin["others"])
