"""One claim from the opening of its 申报批次 to payment, through the pages only, in real
Chromium: the city bureau opens the round, the firm enters its figures and applies with its
documents and signed 信用承诺书, the district returns it for correction (退回补正) asking for a
document, the firm corrects it with an upload, district and city pass it, the city decides,
publishes the 公示 (nothing pre-ticked), closes it after the last working day and pays.
The firm's timeline must list every step in order, with the first submission's time kept, in
Beijing time; its screenshot is test-artifacts/screenshots/40-lifecycle-timeline.png."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from huiqi.platform.demo import sample_pdf
from tests.helpers.browser import login, shot

pytestmark = pytest.mark.browser
BEIJING = dt.timezone(dt.timedelta(hours=8))
TODAY = "2025-03-03"  # a Monday; 5 working days of 公示 end on Friday 7 March


def pdf(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": sample_pdf(name.encode().hex())}


def test_round_to_payment_with_a_correction(
    new_page: Any,
    set_today: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # required documents and the signed 信用承诺书 are enforced, as in production
    monkeypatch.setenv("HUIQI_REQUIRE_MATERIALS", "1")
    # set-up, not part of the journey: the 2024 budget (the platform has no budget page; an
    # admin sets budgets through the API)
    admin = new_page()
    login(admin, "admin")
    r = admin.request.put(
        "/api/v1/budgets", data={"measure_id": "2.6.1", "fiscal_year": 2024, "total_fen": 10**9}
    )
    assert r.status == 200, r.text()
    # 2024 figures are complete in 2025: the journey runs on 3 March 2025 (demo clock)
    set_today(TODAY)
    city = new_page()
    login(city, "city_kj")
    # 1. the bureau opens a round for 2.6.1, fiscal year 2024
    city.goto("/officer/rounds")
    assert f"今天：{TODAY}" in city.locator("main").inner_text()
    city.get_by_label("措施（本单位负责）").select_option("2.6.1")
    city.get_by_label("申报所属年度").fill("2024")
    city.get_by_label("截止日").fill("2025-06-30")  # past the policy's window: refused
    city.get_by_role("button", name="开放批次").click()
    assert "须在有效期内截止" in city.locator(".error-box").inner_text()
    city.get_by_label("截止日").fill("2025-05-31")
    city.get_by_role("button", name="开放批次").click()
    assert "已开放申报批次" in city.locator(".flash").inner_text()
    assert "开放中" in city.locator("#rounds").inner_text()

    # 2. the firm records its 2024 figures and applies into the open round
    firm = new_page()
    login(firm, "enterprise1")
    firm.wait_for_url("**/enterprise")
    firm.locator("#f-year").fill("2024")
    firm.get_by_label("营业收入").fill("2500万")
    firm.get_by_label("研发投入").fill("500万")
    firm.get_by_role("button", name="保存").first.click()
    assert "2024 年度数据已保存" in firm.locator(".flash").inner_text()
    firm.goto("/enterprise/apply?measure=2.6.1&fiscal_year=2024")
    assert f"申报日为提交当日：{TODAY}" in firm.locator("#round").inner_text()
    # the documents 2.6.1 needs, and the 信用承诺书 the firm ticks itself
    firm.locator("#f-doc-audit_report").set_input_files(pdf("2024年度审计报告.pdf"))
    firm.locator("#f-doc-rd_audit_report").set_input_files(pdf("研发费用明细.pdf"))
    assert not firm.locator("#f-commitment").is_checked()
    firm.locator("#f-commitment").check()
    firm.get_by_role("button", name="确认并提交申报").click()
    firm.wait_for_url(re.compile(r"/enterprise/applications/\d+"))
    app_id = int(firm.url.split("/")[-1].split("?")[0])
    first = firm.request.get(f"/api/v1/applications/{app_id}").json()
    assert first["application_date"] == TODAY and first["round_id"]

    # 3. the district returns it for correction
    district = new_page()
    login(district, "district_dh")
    district.goto(f"/officer/applications/{app_id}")
    assert "2024年度审计报告.pdf" in district.locator("#materials").inner_text()
    district.get_by_label("需补正的内容").fill("请补充 2024 年度研发费用专项审计报告")
    district.locator("#requested-documents").get_by_label("研发费用专项审计报告").check()
    district.get_by_role("button", name="退回补正").click()
    assert "已退回企业补正" in district.locator(".flash").inner_text()

    # 4. the firm corrects it (a new snapshot version goes back to the district)
    firm.goto(f"/enterprise/applications/{app_id}")
    assert "专项审计报告" in firm.locator("#return-reason").inner_text()
    # the document asked for is uploaded with the correction
    firm.locator("#f-doc-rd_audit_report").set_input_files(pdf("2024年度研发费用专项审计报告.pdf"))
    firm.get_by_label("补正说明").fill("已补充专项审计报告")
    firm.get_by_role("button", name="补正后重新提交").click()
    assert "待区级初审" in firm.locator("main").inner_text()

    # 5. district and city pass it; the city decides at the formula amount
    district.goto(f"/officer/applications/{app_id}")
    assert "2024年度研发费用专项审计报告.pdf" in district.locator("#materials").inner_text()
    # review forms start with nothing selected: the officer chooses the outcome
    district.get_by_label("通过", exact=True).check()
    district.get_by_label("审核意见").fill("补正材料齐全")
    district.get_by_role("button", name="提交审核意见").click()
    assert "区级初审已完成" in district.locator(".flash").inner_text()
    city.goto(f"/officer/applications/{app_id}")
    city.get_by_label("通过", exact=True).check()
    city.get_by_role("button", name="提交审核意见").click()
    assert "市级复核已完成" in city.locator(".flash").inner_text()
    formula = city.locator("#engine-amount").inner_text()
    assert "措施上限" in city.locator("main").inner_text()
    assert not city.get_by_label("予以支持").is_checked()
    city.get_by_label("予以支持").check()
    city.get_by_role("button", name="确认决定").click()
    assert "已作出决定" in city.locator(".flash").inner_text()

    # 6. 公示: nothing pre-ticked; closed only after the last working day (Fri 7 March)
    city.goto("/officer/notices")
    assert city.locator("input[name=application_ids]:checked").count() == 0
    city.locator(f"input[name=application_ids][value='{app_id}']").check()
    city.get_by_label("公示标题").fill("2024年度研发投入补助拟支持名单")
    city.get_by_role("button", name="发布公示").click()
    city.wait_for_url(re.compile(r"/notices/\d+"))
    city.get_by_role("button", name="公示期满，结束公示").click()
    assert "期满后才能结束" in city.locator(".flash").inner_text()
    set_today("2025-03-10")
    city.get_by_role("button", name="公示期满，结束公示").click()
    assert "公示已结束" in city.locator(".flash").inner_text()

    # 7. payment
    city.goto(f"/officer/applications/{app_id}")
    city.get_by_role("button", name="安排拨付").click()
    city.goto("/officer/payments")
    city.get_by_label("凭证号").fill("KJ-2025-0310")
    city.get_by_role("button", name="确认到账").click()
    assert "已确认拨付" in city.locator(".flash").inner_text()
    assert formula in city.locator("table").inner_text()

    # 8. the firm's timeline: every step, in order, first submission kept, Beijing time
    firm.goto(f"/enterprise/applications/{app_id}")
    assert "已拨付" in firm.locator("main").inner_text()
    items = firm.locator(".timeline li.done")
    titles = [items.nth(i).locator("strong").inner_text() for i in range(items.count())]
    expected = ["提交申报", "退回补正", "补正后重新提交", "区级初审", "市级复核", "决定",
                "列入公示", "市级资金已拨付"]  # fmt: skip
    positions = [next(i for i, t in enumerate(titles) if t.startswith(e)) for e in expected]
    assert positions == sorted(positions), titles
    submitted = dt.datetime.fromisoformat(first["submitted_at"]).astimezone(BEIJING)
    assert items.nth(0).locator("time").inner_text() == submitted.strftime("%Y-%m-%d %H:%M")
    shot(firm, "40-lifecycle-timeline")
