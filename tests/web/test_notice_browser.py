"""In real Chromium at phone width: a citizen who is not logged in objects to a 公示 entry by real
name and attaches a PDF; the city officer then finds the objection and downloads the PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import shot

pytestmark = pytest.mark.browser
API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api(page: Any, username: str) -> dict[str, str]:
    r = page.request.post(f"{API}/auth/login", data={"username": username, "password": "demo123"})
    assert r.ok, r.text()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def listed_application(page: Any) -> tuple[int, int]:
    firm = api(page, "enterprise1")
    r = page.request.post(
        f"{API}/applications",
        data={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    )
    assert r.status == 201, r.text()
    app_id = r.json()["id"]
    district, city = api(page, "district_dh"), api(page, "city_kj")
    for url, who in (
        (f"{API}/reviews/{app_id}/district", district),
        (f"{API}/reviews/{app_id}/city", city),
    ):
        assert page.request.post(url, data={"outcome": "pass"}, headers=who).ok
    r = page.request.post(f"{API}/reviews/{app_id}/decision", data={"approve": True}, headers=city)
    assert r.ok, r.text()
    r = page.request.post(
        f"{API}/notices",
        data={"title": "2023年度软件企业研发补助拟支持名单（第三批）", "application_ids": [app_id]},
        headers=city,
    )
    assert r.status == 201, r.text()
    return r.json()["id"], app_id


def test_citizen_objects_without_login_with_a_pdf(new_page: Any) -> None:
    setup = new_page()
    batch_id, app_id = listed_application(setup)

    page = new_page(390, 844)  # a phone, no login
    page.goto(f"/notices/{batch_id}")
    assert "已扣除法定节假日" in page.locator("#period").inner_text()
    page.get_by_label("被异议的申报编号").fill(str(app_id))
    page.get_by_label("真实姓名").fill("王小明")
    page.get_by_label("居民身份证号码").fill("110105194912310021")  # wrong check digit
    page.get_by_label("手机号码").fill("１３８１２３４５６７８")  # full-width, as phones type it
    page.get_by_label("异议事实与理由").fill(
        "该企业研发费用中包含了非研发人员工资，与审计报告不符。"
    )
    page.get_by_label("证据材料（可选）").set_input_files(
        {"name": "审计报告.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="提交异议").click()
    err = page.locator("#e-id_number")
    assert "校验位错误" in err.inner_text() and "应为 X" in err.inner_text()
    assert page.get_by_label("居民身份证号码").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "15-public-objection-error")

    page.get_by_label("居民身份证号码").fill("11010519491231002X")
    page.get_by_label("证据材料（可选）").set_input_files(  # files are not kept across a post
        {"name": "审计报告.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="提交异议").click()
    assert "异议已受理" in page.locator(".flash").inner_text()
    assert "有异议·核查中" in page.locator("table").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "16-public-objection-filed")

    officer = new_page()
    officer.goto("/login")
    officer.get_by_label("用户名").fill("city_kj")
    officer.get_by_label("密码").fill("demo123")
    officer.get_by_role("button", name="登录").click()
    officer.wait_for_url(re.compile(r"/officer/"))
    officer.goto(f"/officer/applications/{app_id}")
    box = officer.locator("#objections")
    assert "1101**********002X" in box.inner_text() and "138****5678" in box.inner_text()
    with officer.expect_download() as dl:
        box.get_by_role("link", name="审计报告.pdf").click()
    assert Path(dl.value.path()).read_bytes() == PDF
    shot(officer, "33-city-objection-evidence")
    # the officer decides: 不成立, with a reason the public list then shows
    box.get_by_label(re.compile("不成立")).check()
    box.get_by_label("核查理由").fill("经核查，研发人员名单与社保记录一致")
    box.get_by_role("button", name="记录核查结论").click()
    assert "异议不成立" in officer.locator(".flash").inner_text()
    page.goto(f"/notices/{batch_id}")
    row = page.locator(f"#item-{app_id}").inner_text()
    assert "公示中" in row and "异议不成立：经核查，研发人员名单与社保记录一致" in row
