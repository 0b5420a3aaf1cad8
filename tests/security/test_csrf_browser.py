"""In real Chromium: a page on another origin that posts a form to the platform with the
officer's cookie is refused and the officer stays logged in, while the platform's own forms
(login, logout) work and its pages raise no Content-Security-Policy violation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.helpers.browser import browser  # noqa: F401
from tests.helpers.web import free_port
from tests.web.conftest import live_server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def attacker_site(live_server: str) -> Iterator[str]:  # noqa: F811
    """Another origin (same host, another port: same-site, so the browser sends the Lax cookie)
    serving a page whose button posts to the platform's logout and review forms."""
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>领奖</title></head><body><h1>恭喜中奖</h1>
<form id="logout" method="post" action="{live_server}/logout"><button>领取奖品</button></form>
<form id="review" method="post" action="{live_server}/officer/applications/1">
<input type="hidden" name="action" value="district">
<input type="hidden" name="outcome" value="pass">
<button>查看详情</button></form></body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}/attack.html"
    server.shutdown()
    t.join(timeout=5)


def test_cross_origin_form_post_is_refused_own_forms_work(
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    attacker_site: str,
) -> None:
    ctx = browser.new_context(locale="zh-CN")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    # the platform's own login form
    page.goto(f"{live_server}/login")
    page.fill("#f-username", "district_dh")
    page.fill("#f-password", "demo123")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/officer/queue")

    for form in ("#logout", "#review"):
        page.goto(attacker_site)
        with page.expect_navigation():
            page.click(f"{form} button")
        assert page.url.startswith(live_server)
        assert "拒绝来自其他网站的请求" in page.content(), form
        # still logged in: the queue opens without a detour through /login
        page.goto(f"{live_server}/officer/queue")
        assert page.url == f"{live_server}/officer/queue"
        assert page.get_by_role("button", name="退出登录").is_visible()

    for path in ("/", "/policy", "/calculator", "/officer/queue", "/notices"):
        page.goto(f"{live_server}{path}")
    # the platform's own logout button
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server}/?msg=*")
    page.goto(f"{live_server}/officer/queue")
    assert "/login" in page.url
    assert violations == []
    ctx.close()
