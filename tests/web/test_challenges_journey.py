"""A 揭榜挂帅 task from publication to a paid 3.6.1 claim, through the pages only, in real
Chromium: 市经信局 publishes a batch, a firm 揭榜 as the lead of a 联合体, an expert scores it
(after the 回避 declaration it must tick itself), the officer selects it and records the
agreement, the firm reports a milestone with an attachment, the officer records the 考核认定
(passed), and the 3.6.1 claim that creates is reviewed, publicly noticed and paid. Screenshots:
test-artifacts/screenshots/challenges-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from huiqi.platform.demo import sample_pdf
from tests.helpers.browser import login, shot
from tests.platform.challenges.support import MEMBER

pytestmark = pytest.mark.browser
TODAY = "2024-06-17"  # the test clock: a Monday; 5 working days of 公示 end on Friday 21 June


def test_task_to_paid_361_claim(new_page: Any, set_today: Any) -> None:
    set_today(TODAY)
    # set-up, not part of the journey: the 2024 budget of 3.6.1 (budgets are set by an admin
    # through the API; the platform has no budget page)
    admin = new_page()
    login(admin, "admin")
    r = admin.request.put(
        "/api/v1/budgets", data={"measure_id": "3.6.1", "fiscal_year": 2024, "total_fen": 10**9}
    )
    assert r.status == 200, r.text()

    # 1. 市经信局 publishes the year's batch; a deadline in the past is refused beside the field
    city = new_page()
    login(city, "city_jx")
    city.get_by_role("link", name="揭榜挂帅管理").click()
    city.get_by_label("批次名称").fill("2024年度数字经济应用场景揭榜挂帅榜单")
    city.get_by_label("榜单 1 名称").fill("汽车零部件质检的机器视觉应用场景")
    city.get_by_label("榜单 1 领域").select_option("人工智能")
    city.get_by_label("榜单 1 场景需求").fill("人工目检漏检率高")
    city.get_by_label("榜单 1 揭榜要求").fill("三条产线部署机器视觉质检，漏检率低于万分之五")
    city.get_by_label("榜单 1 发榜单位").fill("武汉示例汽车零部件有限公司")
    city.get_by_label("榜单 1 预算指引（元）").fill("500万")
    city.get_by_label("榜单 1 揭榜截止日").fill("2024-06-14")
    city.get_by_role("button", name="发布批次").click()
    assert "早于今天" in city.locator("#e-tasks\\[0\\]\\.deadline").inner_text()
    city.get_by_label("榜单 1 揭榜截止日").fill("2024-07-31")
    city.get_by_role("button", name="发布批次").click()
    assert "已发布批次" in city.locator(".flash").inner_text()
    shot(city, "challenges-01-publish")

    # 2. the public board, without login
    visitor = new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="揭榜挂帅").first.click()
    row = visitor.locator("table.tasks tr", has_text="机器视觉")
    assert "揭榜中" in row.inner_text() and "500万元" in row.inner_text()
    shot(visitor, "challenges-02-board")

    # 3. the firm 揭榜 as the lead of a 联合体 (a wrong check character is caught first)
    firm = new_page()
    login(firm, "enterprise1")
    firm.goto("/challenges")
    firm.get_by_role("link", name="汽车零部件质检的机器视觉应用场景").click()
    firm.get_by_label("实施方案").fill("联合体分三期实施：样机、试点产线、全面推广")
    firm.get_by_label("项目预算（元）").fill("480万")
    firm.get_by_label("里程碑 1", exact=True).fill("试点产线上线")
    firm.get_by_label("里程碑 1 计划完成日期").fill("2024-09-30")
    firm.get_by_label("里程碑 2", exact=True).fill("三条产线全部上线")
    firm.get_by_label("里程碑 2 计划完成日期").fill("2024-12-31")
    firm.get_by_label("成员 1 单位名称").fill(MEMBER["name"])
    firm.get_by_label("成员 1 统一社会信用代码").fill(MEMBER["credit_code"][:17] + "0")
    firm.get_by_role("button", name="提交揭榜").click()
    assert "GB 32100" in firm.locator("#e-members\\[0\\]\\.credit_code").inner_text()
    firm.get_by_label("成员 1 统一社会信用代码").fill(MEMBER["credit_code"])
    firm.get_by_role("button", name="提交揭榜").click()
    firm.wait_for_url(re.compile(r"/challenges/bids/\d+"))
    bid_url = firm.url.split("?")[0]
    assert MEMBER["name"] in firm.locator("#parties").inner_text()
    shot(firm, "challenges-03-bid")

    # 4. the officer invites an expert; the expert scores after ticking the declaration itself
    city.goto(bid_url)
    city.get_by_label("王专家（数字经济评审专家库）").check()
    city.get_by_role("button", name="邀请").click()
    assert "已邀请专家评分" in city.locator(".flash").inner_text()
    expert = new_page()
    login(expert, "expert1")
    expert.get_by_role("link", name="揭榜评分").click()
    expert.locator("#bids a").first.click()
    assert not expert.locator("#f-conflict_declared").is_checked()
    expert.get_by_label("评分（0–100）").fill("88")
    expert.get_by_role("button", name="提交评分").click()
    assert "回避声明" in expert.locator("main").inner_text()
    expert.locator("#f-conflict_declared").check()
    expert.get_by_label("评分（0–100）").fill("88")
    expert.get_by_label("评审意见").fill("方案可行，指标明确")
    expert.get_by_role("button", name="提交评分").click()
    assert "评分已提交" in expert.locator(".flash").inner_text()

    # 5. selection with a reason, then the agreement
    city.goto(bid_url)
    assert city.locator("#average").inner_text() == "88.0"
    city.get_by_label("遴选理由").fill("评分最高，方案可行")
    city.get_by_role("button", name="确定揭榜成功").click()
    assert "揭榜成功" in city.locator("#status").inner_text()
    city.get_by_label("协议签订日").fill(TODAY)
    city.get_by_label("约定项目总投入（元）").fill("480万")
    city.get_by_role("button", name="登记协议").click()
    assert "实施中" in city.locator("#status").inner_text()

    # 6. the firm reports the first milestone with its acceptance record
    firm.goto(bid_url)
    firm.get_by_label("里程碑", exact=True).select_option("0")
    firm.get_by_label("完成情况").fill("试点产线上线，漏检率万分之三")
    firm.get_by_label("附件（PDF、OFD、图片或 Office 文件）").set_input_files(
        {"name": "试点验收记录.pdf", "mimeType": "application/pdf", "buffer": sample_pdf("pilot")}
    )
    firm.get_by_role("button", name="提交报告").click()
    assert "里程碑已报告" in firm.locator(".flash").inner_text()
    assert "试点验收记录.pdf" in firm.locator("#milestones").inner_text()

    # 7. 考核认定: nothing pre-selected; passed files the 3.6.1 claim
    city.goto(bid_url)
    assert city.locator("input[name=passed]:checked").count() == 0
    city.get_by_label("实施成功").check()
    city.get_by_label("考核认定日").fill(TODAY)
    city.get_by_label("认定的项目总投入（元）").fill("4567891.23")
    city.get_by_label("考核报告").fill("三条产线上线运行，漏检率万分之三，指标达标")
    city.get_by_role("button", name="记录考核认定").click()
    assert "考核认定实施成功" in city.locator("#status").inner_text()
    claim = city.locator("#claim").inner_text()
    app_id = int(re.search(r"申报编号 (\d+)", claim).group(1))  # type: ignore[union-attr]
    shot(city, "challenges-04-assessed")

    # 8. the claim: the firm sees it, with the formula amount (30% of the assessed investment)
    firm.goto(f"/enterprise/applications/{app_id}")
    assert "待区级初审" in firm.locator("main").inner_text()
    detail = firm.request.get(f"/api/v1/applications/{app_id}").json()
    assert detail["source"] == "challenge" and detail["engine_amount_fen"] == 137_036_737

    # 9. review, decision, 公示 and payment, as for any claim
    district = new_page()
    login(district, "district_dh")
    district.goto(f"/officer/applications/{app_id}")
    district.get_by_label("通过", exact=True).check()
    district.get_by_label("审核意见").fill("考核认定材料齐全")
    district.get_by_role("button", name="提交审核意见").click()
    assert "区级初审已完成" in district.locator(".flash").inner_text()
    city.goto(f"/officer/applications/{app_id}")
    city.get_by_label("通过", exact=True).check()
    city.get_by_role("button", name="提交审核意见").click()
    assert "市级复核已完成" in city.locator(".flash").inner_text()
    assert not city.get_by_label("予以支持").is_checked()
    city.get_by_label("予以支持").check()
    city.get_by_role("button", name="确认决定").click()
    assert "已作出决定" in city.locator(".flash").inner_text()
    city.goto("/officer/notices")
    assert city.locator("input[name=application_ids]:checked").count() == 0
    city.locator(f"input[name=application_ids][value='{app_id}']").check()
    city.get_by_label("公示标题").fill("2024年度揭榜挂帅资金支持拟支持名单")
    city.get_by_role("button", name="发布公示").click()
    city.wait_for_url(re.compile(r"/notices/\d+"))
    set_today("2024-06-24")
    city.get_by_role("button", name="公示期满，结束公示").click()
    assert "公示已结束" in city.locator(".flash").inner_text()
    city.goto(f"/officer/applications/{app_id}")
    city.get_by_role("button", name="安排拨付").click()
    city.goto("/officer/payments")
    city.get_by_label("凭证号").first.fill("JX-2024-0624")
    city.get_by_role("button", name="确认到账").first.click()
    assert "已确认拨付" in city.locator(".flash").inner_text()
    firm.goto(f"/enterprise/applications/{app_id}")
    assert "已拨付" in firm.locator("main").inner_text()

    # 10. the public board shows the result
    visitor.goto("/challenges")
    row = visitor.locator("table.tasks tr", has_text="机器视觉")
    assert "武汉光谷示例软件有限公司" in row.inner_text() and MEMBER["name"] in row.inner_text()
    assert "考核认定实施成功" in row.inner_text() and "已确定揭榜方" in row.inner_text()
    shot(visitor, "challenges-05-result")
