"""In Chromium: the administrator creates an account, starts a 免申即享 campaign and watches its
progress bar to the end, against a real uvicorn with the job worker running (demo data)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    ctx = browser.new_context(base_url=live_server, locale="zh-CN")
    ctx.set_default_timeout(30_000)
    yield ctx.new_page()
    ctx.close()


def test_admin_creates_an_account_and_runs_a_campaign(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("demo123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/users")

    page.get_by_label("用户名").fill("analyst2")
    page.get_by_label("名称").fill("第二位分析员")
    page.get_by_label("角色").select_option("analyst")
    page.get_by_label("初始密码").fill("Analyst-pass-9")
    page.get_by_role("button", name="新建账号").click()
    assert "已新建账号 analyst2" in page.locator(".flash").inner_text()
    assert "第二位分析员" in page.locator("tr[data-user='analyst2']").inner_text()

    page.locator("nav.subnav").get_by_role("link", name="免申即享").click()
    page.get_by_label("措施（按公式计算的措施）").select_option("2.6.3")
    page.get_by_label("财务数据年度").fill("2023")
    page.get_by_label("批次名称").fill("DCMM 奖励免申即享")
    page.get_by_role("button", name="开始筛查并推送").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+$"))
    # the page polls its JSON twin and reloads when the job ends: wait for the result
    summary = page.locator("#campaign-summary")
    summary.wait_for(timeout=90_000)
    assert summary.inner_text() == "筛查企业 3 家，符合条件并推送 1 家。"
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert "¥200,000.00" in page.locator("table").inner_text()
