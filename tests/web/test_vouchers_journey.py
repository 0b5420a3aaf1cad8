"""A 上云上平台服务券 from the pool to payment, through the pages only, in real Chromium: a
provider applies and is admitted by 市经信局, lists a product, the bureau publishes the year's
catalogue and standard, a 小微 firm (sized from its recorded headcount and revenue) takes a
voucher, confirms delivery and rates it, the provider redeems it, the bureau settles it and
pays it through the ordinary payment steps.
Screenshots: test-artifacts/screenshots/vouchers-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.rules.credit_code import make_credit_code
from tests.helpers.browser import login, shot

pytestmark = pytest.mark.browser
PASSWORD = "cloud-pass-2024"
CODE = make_credit_code("91420100MA4K0J001")


def test_voucher_from_pool_to_payment(new_page: Any, set_today: Any) -> None:
    set_today("2024-06-17")
    # set-up, not part of the journey: the 3.2.1 budget for 2024 and the provider's account
    # (accounts and budgets are an admin's work)
    admin = new_page()
    login(admin, "admin")
    r = admin.request.put(
        "/api/v1/budgets", data={"measure_id": "3.2.1", "fiscal_year": 2024, "total_fen": 10**8}
    )
    assert r.status == 200, r.text()
    r = admin.request.post(
        "/api/v1/users",
        data={"username": "cloudjx", "password": PASSWORD, "role": "provider",
              "display_name": "武汉示例云服务有限公司"},
    )  # fmt: skip
    assert r.status == 201, r.text()

    # 1. the provider applies to join the pool (a mistyped credit code is refused first)
    prov = new_page()
    prov.goto("/login")
    prov.get_by_label("用户名").fill("cloudjx")
    prov.get_by_label("密码").fill(PASSWORD)
    prov.get_by_role("button", name="登录").click()
    prov.wait_for_url("**/vouchers/provider")
    prov.get_by_label("统一社会信用代码").fill(CODE[:-1] + ("1" if CODE[-1] != "1" else "2"))
    prov.get_by_label("名称", exact=True).fill("武汉示例云服务有限公司")
    prov.get_by_label("平台商").check()
    prov.get_by_role("button", name="提交入池申请").click()
    assert "统一社会信用代码：" in prov.locator(".flash").inner_text()
    prov.get_by_label("统一社会信用代码").fill(CODE)
    prov.get_by_label("名称", exact=True).fill("武汉示例云服务有限公司")
    prov.get_by_label("平台商").check()
    prov.get_by_role("button", name="提交入池申请").click()
    assert "已提交入池申请" in prov.locator(".flash").inner_text()
    assert "申请入池（待审核）" in prov.locator("#provider-status").inner_text()
    prov.get_by_label("产品名称").fill("中小企业云主机套餐")
    prov.get_by_label("产品类别（与奖补标准一致）").fill("上云基础")
    prov.get_by_label("价格（元）").fill("10000")
    prov.get_by_role("button", name="登记产品").click()
    assert "已登记产品" in prov.locator(".flash").inner_text()

    # 2. 市经信局 admits it (nothing pre-selected) and publishes the catalogue and standard
    city = new_page()
    login(city, "city_jx")
    city.goto("/vouchers/city")
    row = city.locator("#providers tbody tr", has_text="武汉示例云服务有限公司")
    assert row.locator("select").input_value() == ""
    row.locator("select").select_option("admit")
    row.get_by_role("button", name="办理").click()
    assert "已准予入池" in city.locator(".flash").inner_text()
    publish = city.locator("#publish")
    box = publish.get_by_label("中小企业云主机套餐", exact=False)
    assert not box.is_checked()
    box.check()
    city.get_by_label("第1行产品类别").fill("上云基础")
    city.locator("#f-ratio-1").fill("30")
    city.locator("#f-cap-1").fill("5000")
    city.get_by_role("button", name="发布", exact=True).click()
    assert "已发布目录和奖补标准" in city.locator(".flash").inner_text()
    assert "2024年度第1版" in city.locator("#editions").inner_text()
    shot(city, "vouchers-city")

    # 3. anyone sees the pool and the catalogue in force
    public = new_page()
    public.goto("/vouchers")
    assert "武汉示例云服务有限公司（平台商）" in public.locator("#pool").inner_text()
    assert "30%" in public.locator("#standards").inner_text()
    shot(public, "vouchers-public")

    # 4. the firm records its headcount, takes a voucher, confirms delivery and rates it
    firm = new_page()
    login(firm, "enterprise1")
    firm.wait_for_url("**/enterprise")
    firm.locator("#f-year").fill("2023")
    firm.get_by_label("营业收入").fill("2000万")
    firm.get_by_label("研发投入").fill("400万")
    firm.get_by_label("从业人员（人）").fill("50")
    firm.get_by_role("button", name="保存").first.click()
    assert "2023 年度数据已保存" in firm.locator(".flash").inner_text()
    firm.goto("/vouchers/firm")
    firm.get_by_role("button", name="领取服务券：中小企业云主机套餐").click()
    assert "已领取服务券" in firm.locator(".flash").inner_text()
    card = firm.locator("section.voucher").first
    assert card.locator(".v-amount").inner_text() == "¥3,000.00"
    basis = card.locator(".basis").inner_text()
    assert "按2024年度奖补标准（上云基础类：奖补比例30%" in basis and "¥10,000.00" in basis
    assert "划为小型企业" in card.inner_text()
    card.get_by_role("button", name="确认交付").click()
    assert "已确认交付" in firm.locator(".flash").inner_text()
    card = firm.locator("section.voucher").first
    card.get_by_label("5 分").check()
    card.get_by_role("button", name="提交评价").click()
    assert "已评价" in firm.locator(".flash").inner_text()
    shot(firm, "vouchers-firm")

    # 5. the provider redeems it
    prov.goto("/vouchers/provider")
    prov.get_by_role("button", name="申请兑付").click()
    assert "已申请兑付" in prov.locator(".flash").inner_text()
    assert "服务商已申请兑付" in prov.locator("#vouchers").inner_text()
    shot(prov, "vouchers-provider")

    # 6. the bureau settles it and pays it through the payment steps
    city.goto("/vouchers/city")
    city.get_by_role("button", name="核销并安排拨付").click()
    assert "已核销" in city.locator(".flash").inner_text()
    city.locator("#vouchers").get_by_role("link").first.click()
    city.get_by_role("button", name="安排拨付").click()
    city.goto("/officer/payments")
    city.get_by_label("凭证号").fill("JX-2024-0617")
    city.get_by_role("button", name="确认到账").click()
    assert "已确认拨付" in city.locator(".flash").inner_text()
    assert "¥3,000.00" in city.locator("table").inner_text()
    shot(city, "vouchers-paid")
    firm.goto("/vouchers/firm")
    assert "拨付：已拨付" in firm.locator("section.voucher").first.inner_text()
