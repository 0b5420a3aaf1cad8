"""One journey per role in real Chromium (Debian's /usr/bin/chromium, headless) against a real
uvicorn server with the demo data. The journeys run in order and build on each other: the firm
applies, the district and city officers review and decide, 公示 and payment follow, then the
analyst and the supervisor read what happened. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import login, shot
from tests.helpers.clock import TEST_TODAY

pytestmark = pytest.mark.browser
STATE: dict[str, Any] = {}  # ids handed from one journey to the next
TODAY = TEST_TODAY.isoformat()


def test_public_library_and_calculator(new_page: Any, set_today: Any) -> None:
    page = new_page()
    set_today("2026-12-01")  # as a live deployment today: the policy has expired
    page.goto("/policy")
    assert "已于 2025-05-31 到期" in page.locator("#countdown").inner_text()
    assert page.locator("#demo-clock").count() == 1  # HUIQI_TODAY is set: 演示环境 shows
    assert page.locator("article.clause").count() == 24
    page.get_by_label("行业").select_option("软件和信息技术服务业")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("#m-2\\.6\\.1").is_visible()
    assert page.locator("#m-3\\.1\\.1").count() == 0
    shot(page, "01-policy-library")

    page.goto("/calculator")
    page.get_by_label("申报日").fill("2024-06-30")
    page.get_by_label("财务数据所属年度").fill("2023")
    page.get_by_label("属于软件企业").check()
    page.get_by_label("所属区", exact=False).fill("洪山区")
    page.get_by_label("本年度营业收入").fill("８００万")  # full-width digits and 万
    page.get_by_label("本年度研发投入").fill("130万元")
    page.get_by_label("上年度营业收入").fill("0.05亿")
    page.get_by_role("button", name="开始测算").click()
    page.wait_for_load_state()
    assert page.locator('[data-amount="2.6.1"]').inner_text() == "¥130,000.00"
    assert page.locator('[data-amount="2.6.2"]').inner_text() == "¥30,000.00"
    assert page.locator("#total").inner_text() == "¥160,000.00"
    assert "研发投入占比 16.2% ≥ 15%" in page.locator("#r-2\\.6\\.1").inner_text()
    # told as a firm owner reads it: 不超过 means "at most", missing facts are questions
    headline = page.locator('[data-headline="2.6.1"]').inner_text()
    assert headline.startswith("最高可享：¥130,000.00") and "以主管部门审核为准" in headline
    assert "合计最高可享：¥160,000.00" in page.locator("#summary").inner_text()
    assert "缺少相关信息" in page.locator("#miss-h").inner_text()  # the list is shown open
    missing = page.locator("#missing li.unknown").filter(has_text="1.3.1")
    assert missing.is_visible()
    assert "如已获评工业互联网标识解析二级节点，请补充认定日期" in missing.inner_text()
    assert "recognitions[" not in page.locator("#results").inner_text()
    shot(page, "02-calculator-result")
    page.emulate_media(media="print")  # printable: no navigation, no form, results only
    assert not page.locator("#calc-form").is_visible()
    assert page.locator('[data-amount="2.6.1"]').is_visible()
    shot(page, "02b-calculator-print")
    page.emulate_media(media="screen")

    page.get_by_label("本年度营业收入").fill("abc")
    page.get_by_role("button", name="开始测算").click()
    err = page.locator("#e-revenue")
    assert "无法识别的金额" in err.inner_text()
    assert page.get_by_label("本年度营业收入").get_attribute("aria-invalid") == "true"
    shot(page, "03-calculator-error")


def test_phone_width(new_page: Any) -> None:
    page = new_page(390, 844)
    for url, name in (("/policy", "04-phone-library"), ("/calculator", "05-phone-calculator")):
        page.goto(url)
        # nothing wider than the screen: responsive layout, tables scroll inside their box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, name)


def test_keyboard_navigation(new_page: Any) -> None:
    page = new_page()
    page.goto("/policy")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "惠企"
    page.goto("/login")  # the user name field has autofocus
    # autofocus lands after load: typing before it would go to the page body (a real flake)
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("supervisor")
    page.keyboard.press("Tab")
    page.keyboard.type("demo123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/supervisor/tasks")


def test_enterprise_journey(new_page: Any) -> None:
    page = new_page()
    login(page, "enterprise1")
    page.wait_for_url("**/enterprise")
    assert "武汉光谷示例软件有限公司" in page.locator("h1").inner_text()
    shot(page, "10-enterprise-profile")
    page.get_by_role("link", name="用档案数据测算可享政策").click()
    assert page.get_by_label("本年度营业收入").input_value() == "20000000.00"
    page.get_by_role("button", name="开始测算").click()
    page.wait_for_load_state()
    assert page.locator('[data-amount="2.6.1"]').inner_text() == "¥400,000.00"
    # 2.6.2: stored as a draft straight from the calculator result, submitted later
    page.get_by_role("button", name="保存为申报草稿：2.6.2").click()
    page.wait_for_url("**/enterprise/applications?msg=*")
    assert "申报草稿已保存" in page.locator(".flash").inner_text()
    draft_row = page.locator("tbody tr", has_text="2.6.2")
    assert "草稿（未提交）" in draft_row.inner_text()
    draft_id = int(draft_row.get_attribute("id").removeprefix("app-"))
    shot(page, "11b-enterprise-drafts")
    # 2.6.1: the confirm page, submitted at once
    page.goto("/enterprise/apply?measure=2.6.1&fiscal_year=2023")
    shot(page, "11-enterprise-draft")
    page.get_by_role("button", name="确认并提交申报").click()
    page.wait_for_url(re.compile(r"/enterprise/applications/\d+"))
    ids = [int(page.url.split("/")[-1].split("?")[0])]
    page.goto("/enterprise/applications")
    page.locator(f"#app-{draft_id}").get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(rf"/enterprise/applications/{draft_id}\?"))
    ids.append(draft_id)
    assert "申报已提交" in page.locator(".flash").inner_text()
    assert "提交申报" in page.locator(".timeline").inner_text()
    assert "待区级初审" in page.locator(".timeline").inner_text()
    page.goto("/enterprise/applications")
    assert "待区级初审" in page.locator(f"#app-{draft_id}").inner_text()  # no longer a draft
    page.goto(f"/enterprise/applications/{ids[0]}")
    shot(page, "12-enterprise-application")
    STATE["apps"] = ids


def test_district_officer_journey(new_page: Any) -> None:
    page = new_page()
    login(page, "district_dh")
    page.wait_for_url("**/officer/queue")
    queue = page.locator("section").first.inner_text()
    assert "武汉光谷示例软件有限公司" in queue and "2.6.1" in queue
    shot(page, "20-district-queue")
    for app_id in STATE["apps"]:
        page.goto(f"/officer/applications/{app_id}")
        assert "正常" in page.locator("#credit-flag").inner_text()
        page.get_by_label("不通过").check()
        page.get_by_role("button", name="提交审核意见").click()
        assert "不通过时必须填写审核意见" in page.locator("#e-opinion").inner_text()
        page.get_by_label("通过", exact=True).check()
        page.get_by_label("审核意见").fill("材料齐全，数据与税务申报一致")
        page.get_by_role("button", name="提交审核意见").click()
        assert "区级初审已完成" in page.locator(".flash").inner_text()
    shot(page, "21-district-review")


def test_city_officer_journey(new_page: Any, set_today: Any) -> None:
    a1, a2 = STATE["apps"]
    page = new_page()
    login(page, "city_kj")
    page.wait_for_url("**/officer/queue")
    page.goto(f"/officer/applications/{a1}")
    assert "¥400,000.00" in page.locator("#engine-amount").inner_text()
    assert "本平台无其他已获支持记录" in page.locator("#recheck").inner_text()
    shot(page, "30-city-review")
    for app_id in (a1, a2):
        page.goto(f"/officer/applications/{app_id}")
        # nothing is pre-selected: submitting without a conclusion is refused beside it
        assert not page.get_by_label("通过", exact=True).is_checked()
        page.get_by_role("button", name="提交审核意见").click()
        assert "请选择审核结论" in page.locator("#e-outcome").inner_text()
        page.get_by_label("通过", exact=True).check()
        page.get_by_role("button", name="提交审核意见").click()
        assert "市级复核已完成" in page.locator(".flash").inner_text()
        assert not page.get_by_label("予以支持").is_checked()
        page.get_by_label("予以支持").check()
        page.get_by_role("button", name="确认决定").click()
        assert "已作出决定" in page.locator(".flash").inner_text()
    assert "已决定支持" in page.locator("main").inner_text()

    # 公示: nothing is pre-ticked; the first batch starts today and is closed after its last
    # working day, the second runs while the firm objects
    page.goto("/officer/notices")
    assert page.locator("input[name=application_ids]:checked").count() == 0
    page.get_by_label(re.compile("2.6.1")).check()
    page.get_by_label("公示标题").fill("2023年度软件企业研发补助拟支持名单")
    page.get_by_role("button", name="发布公示").click()
    page.wait_for_url(re.compile(r"/notices/\d+"))
    STATE["batch1"] = page.url.split("/")[-1].split("?")[0]
    with page.expect_download() as dl:
        page.get_by_role("link", name="导出 Excel").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    shot(page, "31-city-notice")
    page.get_by_role("button", name="公示期满，结束公示").click()
    assert "期满后才能结束" in page.locator(".flash").inner_text()
    set_today("2024-06-24")  # the Monday after the last working day
    page.get_by_role("button", name="公示期满，结束公示").click()
    assert "公示已结束" in page.locator(".flash").inner_text()
    set_today(TODAY)
    page.goto("/officer/notices")
    page.get_by_label(re.compile("2.6.2")).check()
    page.get_by_label("公示标题").fill("2023年度软件企业增长奖励拟支持名单")
    page.get_by_role("button", name="发布公示").click()
    page.wait_for_url(re.compile(r"/notices/\d+"))
    STATE["batch2"] = page.url.split("/")[-1].split("?")[0]

    page.goto(f"/officer/applications/{a1}")
    page.get_by_role("button", name="安排拨付").click()
    page.goto("/officer/payments")
    page.get_by_label("凭证号").fill("WH-PZ-2024-001")
    page.get_by_role("button", name="确认到账").click()
    assert "已确认拨付" in page.locator(".flash").inner_text()
    assert "¥400,000.00" in page.locator("table").inner_text()
    shot(page, "32-city-payments")
    # a 免申即享 campaign for the next journey, through the platform API with the same session
    r = page.request.post(
        "/api/v1/campaigns",
        data={"measure_id": "2.6.3", "fiscal_year": 2023, "title": "DCMM 认证奖励免申即享"},
    )
    assert r.status == 202
    job_id = r.json()["job_id"]
    for _ in range(600):  # the server's job worker thread runs it
        job = page.request.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] == "done":
            break
        time.sleep(0.05)
    assert job["status"] == "done", job


def test_enterprise_offer_and_objection(new_page: Any) -> None:
    page = new_page()
    login(page, "enterprise1")
    page.goto("/enterprise/offers")
    assert "¥200,000.00" in page.locator("main").inner_text()
    shot(page, "13-enterprise-offers")
    page.get_by_role("button", name="确认享受").click()
    assert "已确认享受" in page.locator(".flash").inner_text()
    offers = page.request.get("/enterprise/offers?format=json").json()["offers"]
    STATE["offer_app"] = offers[0]["application"]["id"]
    page.goto(f"/enterprise/applications/{STATE['apps'][0]}")
    assert "资金已拨付" in page.locator(".timeline").inner_text()

    other = new_page()
    login(other, "enterprise2")  # a competitor objects during 公示, by real name
    other.goto(f"/notices/{STATE['batch2']}")
    other.get_by_label("被异议的申报编号").fill(str(STATE["apps"][1]))
    other.get_by_label("真实姓名").fill("李")
    other.get_by_role("button", name="提交异议").click()
    assert "请填写真实姓名" in other.locator("#e-real_name").inner_text()
    other.get_by_label("真实姓名").fill("李明")
    other.get_by_label("联系电话或邮箱").fill("13900001111")
    other.get_by_label("异议事实与理由").fill("该企业上年营业收入填报有误")
    other.get_by_label("证据说明或材料链接").fill("2022 年度审计报告第 5 页")
    other.get_by_role("button", name="提交异议").click()
    assert "异议已提交" in other.locator(".flash").inner_text()
    assert "有异议·核查中" in other.locator("table").inner_text()
    shot(other, "14-enterprise-objection")


def test_analyst_journey(new_page: Any, live_server: str, tmp_path: Path) -> None:
    page = new_page()
    login(page, "analyst")
    page.wait_for_url("**/analyst")
    assert page.locator("#pool-2\\.6\\.1-2023 .bar-text").inner_text().startswith("1%")
    assert page.locator(".trend svg polyline").count() == 1
    # Set-up through the platform API: decide the confirmed 2.6.3 offer (¥200,000) and shrink
    # the 2.6.3 pool to ¥210,000, so its bar must turn red (95% >= 90%).
    admin = new_page()
    login(admin, "admin")
    app_id = STATE["offer_app"]
    for step, body in (
        ("district", {"outcome": "pass"}),
        ("city", {"outcome": "pass"}),
        ("decision", {"approve": True}),
    ):
        r = admin.request.post(f"/api/v1/reviews/{app_id}/{step}", data=body)
        assert r.ok, r.text()
    r = admin.request.put(
        "/api/v1/budgets",
        data={"measure_id": "2.6.3", "fiscal_year": 2023, "total_fen": 21_000_000},
    )
    assert r.status == 200, r.text()
    page.reload()
    hot = page.locator("#pool-2\\.6\\.3-2023")
    assert "hot" in (hot.get_attribute("class") or "")
    assert hot.locator(".bar-fill.red").count() == 1
    assert "预算预警" in page.locator("main").inner_text()
    shot(page, "40-analyst-dashboard")

    rows = ["credit_code,software_enterprise,revenue,revenue_previous_year,rd_expense,dcmm_level"]
    rows += [f"91420100MA4K5Q8U19,true,{8_000_000 + i},5000000,1300000,4" for i in range(3000)]
    src = tmp_path / "registry.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.goto("/analyst/screening")
    page.get_by_label("登记册文件").set_input_files(str(src))
    page.get_by_role("button", name="上传并开始筛查").click()
    page.wait_for_url(re.compile(r"/analyst/screening/\w+"))
    # the bar is there while the job runs; the page reloads itself when the file is ready
    page.wait_for_selector("#job-progress", state="attached")
    page.wait_for_selector("#download-csv")
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert "3,000 行" in page.locator("#job-text").inner_text()
    shot(page, "41-analyst-screening")
    with page.expect_download() as dl:
        page.locator("#download-csv").click()
    assert "credit_code" in Path(dl.value.path()).read_text(encoding="utf-8")


def test_supervisor_journey(new_page: Any, set_today: Any) -> None:
    set_today("2026-12-01")  # the tasks fell due at the window's end
    page = new_page()
    login(page, "supervisor")
    page.wait_for_url("**/supervisor/tasks")
    overdue = page.locator("tr.overdue")
    assert overdue.count() > 0
    color = overdue.first.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(253, 236, 236)"  # highlighted
    page.get_by_label("责任单位").select_option("市经信局")
    page.get_by_role("button", name="筛选").click()
    first = page.locator("tr.overdue").first
    task = first.get_attribute("data-task")
    first.get_by_role("link").click()
    page.get_by_label("状态").select_option("done")
    page.get_by_label("进展说明").fill("已印发实施方案")
    page.get_by_role("button", name="保存").click()
    assert "任务已更新" in page.locator(".flash").inner_text()
    assert "已印发实施方案" in page.locator(".timeline").inner_text()
    page.goto("/supervisor/tasks?unit=市经信局")
    assert page.locator(f'tr[data-task="{task}"]').get_attribute("class") != "overdue"
    shot(page, "50-supervisor-board")


def test_role_pages_at_phone_width(new_page: Any) -> None:
    page = new_page(390, 844)
    login(page, "city_kj")
    pages = [
        "/officer/queue",
        f"/officer/applications/{STATE['apps'][0]}",
        "/officer/notices",
        f"/notices/{STATE['batch1']}",
        "/officer/payments",
        "/analyst",
        "/supervisor/tasks",
    ]
    for url in pages:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width}px wide on a 390px screen"
    page.goto(f"/officer/applications/{STATE['apps'][0]}")
    shot(page, "33-phone-city-review")
    ent = new_page(390, 844)
    login(ent, "enterprise1")
    for url in (
        "/enterprise",
        "/enterprise/applications",
        "/enterprise/offers",
        f"/enterprise/applications/{STATE['apps'][0]}",
    ):
        ent.goto(url)
        assert ent.evaluate("document.documentElement.scrollWidth") <= 390, url


def test_expert_journey(new_page: Any) -> None:
    """A 择优 claim (1.3.1) goes to experts: the city officer invites one on the review page,
    the expert finds it in its queue, declares no conflict and gives its opinion."""
    firm = new_page()
    login(firm, "enterprise1")
    r = firm.request.post(
        "/api/v1/applications",
        data={
            "enterprise_id": 1,
            "measure_id": "1.3.1",
            "fiscal_year": 2023,
            "requested_amount_fen": 150 * 10**6,
        },
    )
    assert r.status == 201, r.text()
    app_id = r.json()["id"]
    district = new_page()
    login(district, "district_dh")
    r = district.request.post(f"/api/v1/reviews/{app_id}/district", data={"outcome": "pass"})
    assert r.ok, r.text()

    city = new_page()
    login(city, "city_jx")
    city.goto(f"/officer/applications/{app_id}")
    city.get_by_label("通过", exact=True).check()
    city.get_by_role("button", name="提交审核意见").click()
    assert "待专家/第三方评审" in city.locator("main").inner_text()  # 1.3.1 needs experts
    city.get_by_label("王专家（数字经济评审专家库）").check()
    city.get_by_role("button", name="送专家评审").click()
    assert "已送专家评审" in city.locator(".flash").inner_text()

    page = new_page()
    login(page, "expert1")
    page.wait_for_url("**/expert/queue")
    row = page.locator("tbody tr", has_text="1.3.1")
    assert "待评审" in row.inner_text()
    shot(page, "60-expert-queue")
    row.get_by_role("link").first.click()
    page.wait_for_url(f"**/expert/applications/{app_id}")
    assert page.locator("#cap").inner_text() == "¥2,000,000.00"
    page.get_by_label("修改金额建议").check()
    page.get_by_label("评分（0–100）").fill("86")
    page.get_by_label("建议金额").fill("120万元")
    page.get_by_label("评审意见说明").fill("接入企业数量达标，日均解析量偏低，建议核减")
    page.get_by_role("button", name="提交评审意见").click()
    # the conflict-of-interest declaration comes first
    assert "回避声明" in page.locator("#e-conflict_declared").inner_text()
    page.get_by_label(re.compile("回避声明")).check()
    page.get_by_role("button", name="提交评审意见").click()
    assert "评审意见已提交" in page.locator(".flash").inner_text()
    assert "¥1,200,000.00" in page.locator("#assignment-status").inner_text()
    shot(page, "61-expert-opinion")

    city.goto(f"/officer/applications/{app_id}")
    opinions = city.locator("#expert-opinions").inner_text()
    assert "修改金额建议" in opinions and "86" in opinions and "¥1,200,000.00" in opinions
    city.get_by_label("通过", exact=True).check()
    city.get_by_role("button", name="提交审核意见").click()
    assert "专家评审已结束" in city.locator(".flash").inner_text()
    shot(city, "62-city-expert-opinions")
