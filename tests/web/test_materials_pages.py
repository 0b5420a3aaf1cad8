"""Documents on the pages without a browser: files chosen on the apply form travel with a saved
draft; a refused file is said beside its input while the draft itself is kept; the submission of
that draft from the list then needs nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.platform.demo import sample_pdf


@pytest.fixture(autouse=True)
def materials_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIQI_REQUIRE_MATERIALS", "1")


def test_files_saved_with_a_draft(client_for: Any) -> None:
    ent = client_for("enterprise1")
    form = {"measure": "2.6.1", "fiscal_year": "2023"}
    r = ent.post(
        "/enterprise/drafts",
        data=form,
        files={"doc_audit_report": ("审计报告.exe", b"MZ\x90\x00", "application/pdf")},
    )
    assert r.status_code == 422
    assert "申报草稿已保存" in r.text and "不是 PDF" in r.text
    files = [
        ("doc_audit_report", ("审计报告.pdf", sample_pdf("audit"), "application/pdf")),
        ("doc_rd_audit_report", ("研发.pdf", sample_pdf("rd"), "application/pdf")),
    ]
    r = ent.post("/enterprise/drafts?format=json", data=form, files=files)
    assert r.status_code == 200, r.text  # the same draft, updated, its files attached
    draft_id = r.json()["application"]["id"]
    listing = ent.get(f"/api/v1/materials/applications/{draft_id}").json()
    assert [d["filename"] for d in listing["documents"]] == ["审计报告.pdf", "研发.pdf"]
    assert [m["rule"] for m in listing["missing"]] == ["commitment_unsigned"]
    # the 信用承诺书 is never signed by saving: the firm ticks it on submission
    r = ent.post(
        "/enterprise/apply",
        data={**form, "idempotency_key": "materials-pages-1", "commitment_confirmed": "yes"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert f"/enterprise/applications/{draft_id}" in r.headers["location"]
