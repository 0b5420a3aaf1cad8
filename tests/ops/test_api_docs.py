"""Swagger UI and ReDoc load nothing from outside the site (a 政务内网 has no CDN)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from huiqi.server import create_app

ASSET = re.compile(r"""(?:href|src|url|spec-url)\s*[=:]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("root", ["", "/huiqi"])
@pytest.mark.parametrize("page", ["/api/v1/docs", "/api/v1/redoc"])
def test_docs_assets_come_from_the_package(tmp_path: Path, root: str, page: str) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'd.db'}")
    client = TestClient(app, root_path=root)
    html = client.get(root + page).text
    assert "cdn" not in html.lower() and "https://" not in html
    assets = ASSET.findall(html)
    assert any(a.endswith(".js") for a in assets), assets
    for url in assets:
        assert url.startswith(f"{root}/"), url
        r = client.get(url)
        assert r.status_code == 200 and len(r.content) > 100, url
    spec = client.get(f"{root}/api/v1/openapi.json").json()
    assert spec["info"]["title"].startswith("惠企")
    app.state.engine.dispose()
