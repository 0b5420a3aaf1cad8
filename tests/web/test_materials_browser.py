"""Documents through the pages in real Chromium: the firm cannot submit without the required
documents and its own tick on the 信用承诺书, uploads them, the officer sees and downloads them,
returns the claim asking for a document, and the firm answers the 补正 with an upload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from huiqi.platform.demo import sample_pdf
from tests.helpers.browser import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def materials_required(monkeypatch: pytest.MonkeyPatch) -> None:
    # the live server runs in this process: it reads the setting at each submission
    monkeypatch.setenv("HUIQI_REQUIRE_MATERIALS", "1")


def pdf_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": sample_pdf(text)}


def test_upload_officer_sees_it_and_correction_with_new_document(
    new_page: Any,
    tmp_path: Path,
) -> None:
    firm = new_page()
    login(firm, "enterprise1")
    firm.goto("/enterprise/apply?measure=2.6.1&fiscal_year=2023")
    consent = firm.locator("#f-commitment")
    assert not consent.is_checked()  # the firm ticks it itself
    assert "武汉光谷示例软件有限公司" in firm.locator("#commitment-text").inner_text()
    firm.get_by_role("button", name="确认并提交申报").click()
    # refused: every missing document named beside its input, and the unsigned commitment
    assert "缺少必需的申报材料：审计报告" in firm.locator("#e-doc-audit_report").inner_text()
    assert "研发费用专项审计报告" in firm.locator("#e-doc-rd_audit_report").inner_text()
    assert "信用承诺书" in firm.locator("#material-inputs").inner_text()

    firm.locator("#f-doc-audit_report").set_input_files(pdf_file("2023年度审计报告.pdf", "audit"))
    firm.locator("#f-doc-rd_audit_report").set_input_files(pdf_file("研发费用专项审计.pdf", "rd"))
    firm.locator("#f-commitment").check()
    shot(firm, "materials-apply-form")
    firm.get_by_role("button", name="确认并提交申报").click()
    firm.wait_for_url(re.compile(r"/enterprise/applications/\d+"))
    found = re.search(r"/applications/(\d+)", firm.url)
    assert found is not None, firm.url
    app_id = int(found.group(1))
    documents = firm.locator("#materials")
    assert "2023年度审计报告.pdf" in documents.inner_text()
    assert "确认签署" in documents.inner_text()

    officer = new_page()
    login(officer, "district_dh")
    officer.goto(f"/officer/applications/{app_id}")
    listing = officer.locator("#materials")
    assert "研发费用专项审计.pdf" in listing.inner_text()
    with officer.expect_download() as info:
        listing.get_by_role("link", name="2023年度审计报告.pdf").click()
    saved = tmp_path / "download.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes() == sample_pdf("audit")
    listing.locator("details.commitment summary").click()
    assert "就高不重复" in listing.locator("details.commitment pre").inner_text()
    shot(officer, "materials-officer-review")
    officer.get_by_label("需补正的内容").fill("请补充研发费用明细账（作为其他补充材料上传）")
    asked = officer.locator("#requested-documents").get_by_label("其他补充材料")
    assert not asked.is_checked()  # nothing asked for unless the officer ticks it
    asked.check()
    officer.get_by_role("button", name="退回补正").click()
    officer.wait_for_load_state()

    firm.goto(f"/enterprise/applications/{app_id}")
    assert "研发费用明细账" in firm.locator("#return-reason").inner_text()
    assert "退回补正要求补交" in firm.locator("label[for=f-doc-other]").inner_text()
    firm.get_by_role("button", name="补正后重新提交").click()  # without the document: refused
    assert "退回补正要求补交：其他补充材料" in firm.locator("#e-doc-other").inner_text()
    firm.locator("#f-doc-other").set_input_files(pdf_file("研发费用明细账.pdf", "ledger"))
    firm.get_by_role("button", name="补正后重新提交").click()
    firm.wait_for_url(re.compile(rf"/enterprise/applications/{app_id}\?msg="))
    assert "第 2 版" in firm.locator("#materials").inner_text()

    officer.goto(f"/officer/applications/{app_id}")
    rows = officer.locator("#materials tbody tr")
    assert rows.count() == 3
    newest = rows.nth(2).inner_text()
    assert "研发费用明细账.pdf" in newest and "第 2 版" in newest
    shot(officer, "materials-after-correction")
