"""Every page of every role, in real Chromium at 390 px (a phone) and 1280 px.

On each page: nothing scrolls sideways, no account name or internal word shows, and axe-core
(vendored from npm under tests/web/vendor/axe-core, injected from disk, no network) finds no
serious or critical violation. Screenshots of the firm's 我的申报, the officer's queue and the
public 公示 at 390 px go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import login
from tests.helpers.site_walk import ROLES, build_world, crawl
from tests.helpers.web import ROOT, free_port, make_app

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SOURCE = "(() => {" + AXE.read_text(encoding="utf-8") + "\n})()"
ARTIFACTS = ROOT / "test-artifacts"
WIDTHS = (390, 1280)
# What a citizen or officer must never read: account names, internal ids, English words.
ACCOUNTS = (
    "enterprise1",
    "enterprise2",
    "enterprise3",
    "district_dh",
    "district_ja",
    "city_kj",
    "city_jx",
    "expert1",
    "expert2",
    "(public)",
    "（public）",
)
INTERNAL = (
    "huiqi explain",
    "huiqi screen",
    "wuhan-digital-economy-2022",
    "（企业用户）（企业用户）",
    "督办员（督办员）",
    "None",
    "null",
    "draft",
    "submitted",
    "district_passed",
    "city_passed",
    "eligible",
    "discretionary",
)
# Latin words allowed on a Chinese page: units, formats and names people know.
ALLOWED_LATIN = {"CSV", "Excel", "JSON", "PDF", "JPG", "PNG", "KB", "MB", "DCMM", "Parquet"}
# abbreviations of the policy's own text (光纤到远端模块 FTTR, 光分配网 ODN, 建筑信息模型 BIM)
ALLOWED_LATIN |= {"FTTR", "ODN", "BIM"}
# text encodings a CSV file is saved in, as Excel's save dialog names them (UTF-8, GBK)
ALLOWED_LATIN |= {"UTF", "GBK"}
TOKEN = re.compile(r"[A-Za-z0-9_]+")


@pytest.fixture(scope="module")
def world_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    import uvicorn

    app = make_app(tmp_path_factory.mktemp("walk"))
    world = build_world(app)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    server.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:
    """The shared headless Chromium (tests/helpers/browser.py) under this module's name."""
    return browser


LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .map(a => a.href).filter(h => h.startsWith(location.origin))"""
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


# What a person reads: the rendered text, less what must be typed exactly as shown
# ([data-verbatim]: the login page's demo accounts, a registry file's column names).
READABLE = """() => {
  const hidden = Array.from(document.querySelectorAll('[data-verbatim]'));
  hidden.forEach(e => { e.dataset.display = e.style.display; e.style.display = 'none'; });
  const text = document.body.innerText;
  hidden.forEach(e => { e.style.display = e.dataset.display; });
  return text;
}"""


def _words(text: str) -> list[str]:
    """Latin words of two letters or more; codes with digits (credit codes, vouchers) pass."""
    return [
        w
        for w in TOKEN.findall(text)
        if not re.search(r"\d", w) and len(w) > 1 and w not in ALLOWED_LATIN
    ]


def check_page(page: Any, url: str, width: int) -> list[str]:
    """What is wrong with the page now in `page` (empty when nothing)."""
    problems = []
    wide = page.evaluate("document.documentElement.scrollWidth")
    client = page.evaluate("document.documentElement.clientWidth")
    if wide > client:
        culprits = page.evaluate(
            """(w) => Array.from(document.querySelectorAll('body *'))
              .filter(e => e.getBoundingClientRect().right > w + 1)
              .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + (e.id || ''))""",
            client,
        )
        problems.append(f"{url} @{width}: scrolls sideways ({wide} > {client}) {culprits}")
    text = page.evaluate(READABLE)
    for word in ACCOUNTS + INTERNAL:
        if re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_])", text):
            problems.append(f"{url} @{width}: shows “{word}”")
    latin = _words(text)
    if latin:
        problems.append(f"{url} @{width}: English words {sorted(set(latin))[:8]}")
    # The pages' Content-Security-Policy (script-src 'self') rightly refuses an injected <script>;
    # the checker runs through the browser's DevTools channel instead, with the policy still on.
    page.evaluate(AXE_SOURCE)
    found = page.evaluate(AXE_RUN)
    if found:
        problems.append(f"{url} @{width}: axe {json.dumps(found, ensure_ascii=False)}")
    return problems


def walk_role(chromium: Any, base: str, username: str | None, width: int) -> list[str]:
    ctx = chromium.new_context(
        base_url=base, viewport={"width": width, "height": 900}, locale="zh-CN"
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    problems: list[str] = []
    try:
        if username:
            login(page, username)
        start = [page.url] if username else ["/"]
        start += ["/", "/no-such-page"]

        def visit(url: str) -> list[str]:
            page.goto(url)
            page.wait_for_load_state()
            problems.extend(check_page(page, url, width))
            return [str(u) for u in page.evaluate(LINKS)]

        pages = crawl(visit, start)
        assert len(pages) >= 3
    finally:
        ctx.close()
    return problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "public")
def test_every_page_reads_well(
    chromium: Any, world_server: tuple[str, dict[str, Any]], username: str | None, width: int
) -> None:
    base, _world = world_server
    problems = walk_role(chromium, base, username, width)
    assert problems == [], "\n".join(problems)


SHOTS = {
    "phone-enterprise-applications": ("enterprise1", "/enterprise/applications"),
    "phone-officer-queue": ("district_dh", "/officer/queue"),
    "phone-public-notice": (None, "/notices/{open_batch}"),
}


@pytest.mark.parametrize("name", SHOTS)
def test_phone_screenshots(
    chromium: Any, world_server: tuple[str, dict[str, Any]], name: str
) -> None:
    base, world = world_server
    username, url = SHOTS[name]
    ctx = chromium.new_context(
        base_url=base, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    page = ctx.new_page()
    try:
        if username:
            login(page, username)
        page.goto(url.format(**world))
        # a phone table is a stack of cards: status and amount come before the other cells
        first = page.locator("table.cards tbody tr").first
        assert first.is_visible()
        assert (
            page.evaluate(
                "() => getComputedStyle(document.querySelector('table.cards tbody tr')).display"
            )
            == "grid"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        ctx.close()


FOCUSABLE = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]'))
  .filter(e => !e.disabled && e.offsetParent !== null && e.getClientRects().length)
  .map(e => e.outerHTML.slice(0, 80))"""
ACTIVE = "() => document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : ''"
OUTLINE = "() => getComputedStyle(document.activeElement).outlineStyle"


def tab_until(page: Any, test: str, limit: int = 250) -> None:
    """Press Tab until the focused element satisfies the JS predicate `test`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!({test}); }}"):
            return
    raise AssertionError(f"Tab never reached {test} on {page.url}")


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_reaches_every_control(
    chromium: Any, world_server: tuple[str, dict[str, Any]], width: int
) -> None:
    """Tab alone visits every link, button and field of the busiest pages, with a visible
    focus ring, and never gets stuck."""
    base, world = world_server
    pages = {
        "enterprise1": [
            "/enterprise/applications",
            f"/enterprise/applications/{world['returned']}",
        ],
        "city_kj": ["/officer/queue", f"/officer/applications/{world['decided']}"],
        None: [f"/notices/{world['open_batch']}"],
    }
    for username, urls in pages.items():
        ctx = chromium.new_context(
            base_url=base, viewport={"width": width, "height": 900}, locale="zh-CN"
        )
        page = ctx.new_page()
        try:
            if username:
                login(page, username)
            for url in urls:
                page.goto(url)
                wanted = page.evaluate(FOCUSABLE)
                reached = []
                for _ in range(len(wanted) + 5):
                    page.keyboard.press("Tab")
                    active = page.evaluate(ACTIVE)
                    if active.startswith("<body"):
                        break
                    assert page.evaluate(OUTLINE) != "none", f"no focus ring: {active}"
                    reached.append(active)
                missing = [w for w in wanted if w not in reached]
                assert missing == [], f"{url}: Tab skips {missing}"
        finally:
            ctx.close()


def test_officer_reviews_by_keyboard_alone(
    chromium: Any, world_server: tuple[str, dict[str, Any]]
) -> None:
    base, _ = world_server
    ctx = chromium.new_context(
        base_url=base, viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    page = ctx.new_page()
    try:
        login(page, "enterprise1")
        r = page.request.post(
            "/api/v1/applications",
            data={"enterprise_id": 1, "measure_id": "2.6.3", "fiscal_year": 2023},
            headers={"Idempotency-Key": "keyboard-263"},
        )
        assert r.ok, r.text()
        app_id = r.json()["id"]
        ctx.clear_cookies()
        page.goto("/login")
        page.wait_for_function(
            "document.activeElement && document.activeElement.name === 'username'"
        )
        page.keyboard.type("district_dh")
        page.keyboard.press("Tab")
        page.keyboard.type("demo123")
        page.keyboard.press("Enter")
        page.wait_for_url("**/officer/queue")
        tab_until(
            page,
            f"e.tagName === 'A' && e.href.endsWith('/officer/applications/{app_id}')",
        )
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/officer/applications/{app_id}")
        tab_until(page, "e.name === 'outcome' && e.value === 'pass'")
        page.keyboard.press("Space")
        tab_until(page, "e.name === 'opinion'")
        page.keyboard.type("材料齐全")
        tab_until(page, "e.tagName === 'BUTTON' && e.textContent.includes('提交审核意见')")
        page.keyboard.press("Enter")
        page.wait_for_url("**msg=*")
        assert "区级初审已完成" in page.locator(".flash").inner_text()
        assert "市级复核" in page.locator("#next-step").inner_text()
    finally:
        ctx.close()
