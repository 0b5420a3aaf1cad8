"""Debian's headless Chromium through Playwright: the browser and page fixtures, a page login and
a screenshot that checks every form control has a label. Test modules import the fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.web import SHOTS

CHROMIUM = Path(os.environ.get("HUIQI_CHROMIUM", "/usr/bin/chromium"))  # as scripts/test sets
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Any]:
    contexts = []

    def make(width: int = 1280, height: int = 900) -> Any:
        ctx = browser.new_context(
            base_url=live_server,
            viewport={"width": width, "height": height},
            locale="zh-CN",
            accept_downloads=True,
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.name || e.id)"""


def shot(page: Any, name: str) -> None:
    """Screenshot a main page, checking on the way that every form control has a label."""
    assert page.evaluate(UNLABELLED) == [], f"unlabelled inputs on {page.url}"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("demo123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
