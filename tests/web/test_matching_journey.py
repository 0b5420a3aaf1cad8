"""The 供需对接平台 through its pages, in real Chromium: a firm posts a demand, another firm a
supply, the 市经信局 publishes both; the demand's page proposes the supply first, the demand's
firm asks for contact, the supplier accepts and each then sees the other's phone; the bureau
curates the year's 供需清单 (nothing pre-ticked), publishes it and exports it as Excel, whose
rows are read back with openpyxl. Screenshots: test-artifacts/screenshots/matching-*.png."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.helpers.browser import login, shot

pytestmark = pytest.mark.browser


def _submit(page: Any, kind: str, values: dict[str, str], selects: dict[str, str]) -> int:
    page.goto(f"/matching/new?kind={kind}")
    for label, value in values.items():
        page.get_by_label(label).fill(value)
    for label, value in selects.items():
        page.get_by_label(label).select_option(value)
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(re.compile(r"/matching/entries/\d+"))
    assert "待审核发布" in page.locator("#status").inner_text()
    return int(page.url.split("/")[-1].split("?")[0])


def test_demand_and_supply_matched_contacted_and_listed(new_page: Any) -> None:
    maker = new_page()
    login(maker, "enterprise2")
    demand = _submit(
        maker,
        "demand",
        {
            "标题": "冲压车间设备故障预警",
            "内容说明": "需要采集冲压机床振动数据，提前预警设备故障，减少非计划停机",
            "预算下限": "50万",
            "预算上限": "80万",
            "联系人": "李经理",
            "联系电话": "027-88880001",
        },
        {"类别": "scenario", "领域": "工业互联网", "所在区": "江岸区"},
    )
    shot(maker, "matching-demand")
    software = new_page()
    login(software, "enterprise1")
    supply = _submit(
        software,
        "supply",
        {
            "标题": "机床振动监测与故障预警系统",
            "内容说明": "基于工业互联网平台采集机床振动数据，用模型提前预警设备故障",
            "联系人": "张工",
            "联系电话": "13800000000",
        },
        {"类别": "new_product", "领域": "工业互联网", "所在区": "东湖新技术开发区"},
    )
    unrelated = _submit(
        software,
        "supply",
        {"标题": "电子证照共享中台", "内容说明": "面向数字政府的电子证照归集、共享与核验"},
        {"类别": "product", "领域": "数字政府", "所在区": "江岸区"},
    )

    # only the bureau publishes: its queue lists all three, nothing is chosen for it
    city = new_page()
    login(city, "city_jx")
    city.goto("/matching/queue")
    assert city.locator("#queue tbody tr").count() >= 3
    for entry_id in (demand, supply, unrelated):
        city.goto(f"/matching/entries/{entry_id}")
        assert not city.locator("input[name=action]:checked").count()
        city.get_by_role("radio", name="审核发布").check()
        city.get_by_role("button", name="确定").click()
        assert "已发布" in city.locator("#status").inner_text()

    # the demand's page proposes the matching supply first, not the unrelated one
    maker.goto(f"/matching/entries/{demand}")
    rows = maker.locator("#matches tbody tr")
    assert rows.first.get_attribute("data-match") == str(supply)
    assert str(unrelated) not in [
        rows.nth(i).get_attribute("data-match") for i in range(rows.count())
    ]
    maker.get_by_label("对接留言：机床振动监测与故障预警系统").fill("请来车间看看")
    shot(maker, "matching-matches")
    maker.get_by_role("button", name="申请对接").click()
    assert "对接申请已发送" in maker.locator(".flash").inner_text()
    assert "待对方答复" in maker.locator("#contacts").inner_text()
    assert "13800000000" not in maker.locator("#contacts").inner_text()

    # the supplier accepts; then each side sees the other's contact
    software.goto("/matching/mine")
    software.get_by_role("button", name="同意对接").click()
    assert "已同意对接" in software.locator(".flash").inner_text()
    assert "027-88880001" in software.locator("#contacts").inner_text()
    shot(software, "matching-contacts")
    maker.goto("/matching/mine")
    assert "对方已同意对接" in maker.locator("#contacts").inner_text()
    assert "13800000000" in maker.locator("#contacts").inner_text()

    # the bureau curates the year's 供需清单: nothing ticked until it ticks
    city.goto("/matching/lists")
    city.get_by_label("年度", exact=True).fill("2024")
    city.get_by_label("清单", exact=True).select_option("supply_demand")
    city.get_by_role("button", name="逐条勾选").click()
    assert city.locator("h1").inner_text() == "编制2024 年度数字经济供需清单"
    boxes = city.locator("input[name=entry_ids]")
    assert boxes.count() >= 3 and city.locator("input[name=entry_ids]:checked").count() == 0
    city.locator(f"input[name=entry_ids][value='{demand}']").check()
    city.locator(f"input[name=entry_ids][value='{supply}']").check()
    city.get_by_role("button", name="保存清单").click()
    assert "清单已保存" in city.locator(".flash").inner_text()
    city.get_by_role("button", name="发布清单").click()
    assert "清单已发布" in city.locator(".flash").inner_text()
    shot(city, "matching-list")
    with city.expect_download() as dl:
        city.locator("#export").click()
    assert dl.value.suggested_filename == "matching-list-2024-supply_demand.xlsx"
    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    rows_ = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows_[0][0] == "2024 年度数字经济供需清单"
    assert rows_[1][:4] == ["序号", "类型", "类别", "名称"]
    assert [(r[1], r[3], r[4]) for r in rows_[2:]] == [
        ("需求", "冲压车间设备故障预警", "武汉江岸示例智能制造有限公司"),
        ("供给", "机床振动监测与故障预警系统", "武汉光谷示例软件有限公司"),
    ]
    assert rows_[2][7] == "50万元–80万元"

    # the public reads the published list without logging in
    visitor = new_page()
    visitor.goto("/matching/lists")
    visitor.get_by_role("link", name="2024 年度数字经济供需清单").click()
    assert visitor.locator("#items tbody tr").count() == 2
    shot(visitor, "matching-public-list")
