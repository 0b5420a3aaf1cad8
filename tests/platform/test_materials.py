"""Application documents through the API: required documents and the signed 信用承诺书 block
submission until present; type by content, size bounded, sha256 in the audit trail; files under
their hash in the data folder; officers and experts read them only in scope."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.demo import WAN, sample_pdf
from huiqi.platform.materials.models import CreditCommitment, Document
from huiqi.policies import load_policy
from huiqi.policies.materials import load_materials
from huiqi.policies.text import normalise
from tests.helpers.api import AsUser

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def materials_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HUIQI_REQUIRE_MATERIALS", "1")
    data_dir = tmp_path / "data"
    monkeypatch.setenv("HUIQI_DATA_DIR", str(data_dir))
    return data_dir


def zipped(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(part, "<x/>")
    return buf.getvalue()


def draft(client: TestClient, h: dict[str, str], measure: str, **extra: object) -> int:
    body = {"enterprise_id": 1, "measure_id": measure, "fiscal_year": 2023, **extra}
    r = client.post(f"{API}/applications/drafts", json=body, headers=h)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def upload(client: TestClient, h: dict[str, str], app_id: int, kind: str, name: str, data: bytes):
    return client.post(
        f"{API}/materials/applications/{app_id}/documents",
        data={"kind": kind},
        files={"file": (name, data, "application/pdf")},
        headers=h,
    )


def complete_131(client: TestClient, as_user: AsUser) -> int:
    """A 1.3.1 claim of enterprise1 submitted with both required documents and signed."""
    firm = as_user("enterprise1")
    app_id = draft(client, firm, "1.3.1", requested_amount_fen=150 * WAN)
    for kind in ("recognition_certificate", "service_effect_report"):
        r = upload(client, firm, app_id, kind, f"{kind}.pdf", sample_pdf(f"{kind} {app_id}"))
        assert r.status_code == 201, r.text
    r = client.post(
        f"{API}/materials/applications/{app_id}/commitment", json={"confirmed": True}, headers=firm
    )
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/applications/{app_id}/submit", headers=firm)
    assert r.status_code in (200, 201) and r.json()["status"] == "submitted", r.text
    return app_id


def test_every_quoted_reason_is_in_the_policy_text() -> None:
    pol = load_policy()
    spec = load_materials()
    assert set(spec.measures) == set(pol.measures)
    text = normalise(pol.full_text)
    for measure_id, reqs in spec.measures.items():
        for r in reqs:
            assert normalise(r.why) in text, (measure_id, r.why)
    assert [r.name for r in spec.for_measure("2.6.1") if r.required] == [
        "审计报告",
        "研发费用专项审计报告",
    ]


def test_missing_documents_block_submission_and_nothing_is_written(
    app, client: TestClient, as_user: AsUser
) -> None:
    firm = as_user("enterprise1")
    r = client.get(f"{API}/materials/requirements/2.6.1", headers=firm)
    assert r.status_code == 200
    assert [d["name"] for d in r.json()["documents"] if d["required"]] == [
        "审计报告",
        "研发费用专项审计报告",
    ]
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["path"] for e in errors] == [
        "documents.audit_report",
        "documents.rd_audit_report",
        "commitment",
    ]
    assert "缺少必需的申报材料：审计报告" in errors[0]["message"]
    assert "信用承诺书" in errors[2]["message"]
    with app.state.sessionmaker() as db:
        assert db.scalar(select(func.count()).select_from(Application)) == 0


def test_draft_upload_sign_and_submit(
    app, client: TestClient, as_user: AsUser, materials_required: Path
) -> None:
    firm = as_user("enterprise1")
    app_id = draft(client, firm, "2.6.1")
    report = sample_pdf("audit report 2023")
    r = upload(client, firm, app_id, "audit_report", "../../etc/审计报告.pdf", report)
    assert r.status_code == 201, r.text
    doc = r.json()
    digest = hashlib.sha256(report).hexdigest()
    assert doc["sha256"] == digest and doc["kind_name"] == "审计报告"
    assert doc["filename"] == "审计报告.pdf" and doc["content_type"] == "application/pdf"
    # stored under its hash in the data folder, whatever the uploader called it
    stored = materials_required / "documents" / digest[:2] / digest
    assert stored.read_bytes() == report
    # still missing: the R&D audit and the commitment, so submitting the draft is refused
    r = client.post(f"{API}/applications/{app_id}/submit", headers=firm)
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["documents.rd_audit_report", "commitment"]
    r = upload(client, firm, app_id, "rd_audit_report", "研发.pdf", sample_pdf("rd"))
    assert r.status_code == 201
    # the commitment is generated from the claim; it is signed only when the firm confirms
    text = client.get(f"{API}/materials/applications/{app_id}/commitment", headers=firm).json()
    assert "武汉光谷示例软件有限公司" in text["text"] and "2.6.1 软件企业研发补助" in text["text"]
    assert "按政策公式测算 400,000.00 元" in text["text"] and "就高不重复" in text["text"]
    url = f"{API}/materials/applications/{app_id}/commitment"
    r = client.post(url, json={"confirmed": False}, headers=firm)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "confirmed"
    r = client.post(url, json={"confirmed": True}, headers=firm)
    assert r.status_code == 201
    signed = r.json()
    assert signed["sha256"] == hashlib.sha256(signed["text"].encode()).hexdigest()
    r = client.post(f"{API}/applications/{app_id}/submit", headers=firm)
    assert r.status_code in (200, 201) and r.json()["status"] == "submitted", r.text
    # after submission the documents are frozen with the claim
    r = upload(client, firm, app_id, "other", "x.pdf", sample_pdf("late"))
    assert r.status_code == 409
    # the trail holds every file's and the commitment's hash
    with app.state.sessionmaker() as db:
        trail = [
            (e.action, (e.after or {}).get("sha256"))
            for e in db.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(app_id)))
            if e.action in ("document.upload", "commitment.sign")
        ]
    assert trail == [
        ("document.upload", digest),
        ("document.upload", hashlib.sha256(sample_pdf("rd")).hexdigest()),
        ("commitment.sign", signed["sha256"]),
    ]
    # the officer in scope lists and downloads the very same bytes and sees the commitment
    officer = as_user("district_dh")
    listing = client.get(f"{API}/materials/applications/{app_id}", headers=officer).json()
    assert [d["kind"] for d in listing["documents"]] == ["audit_report", "rd_audit_report"]
    assert listing["missing"] == [] and listing["commitments"][0]["text"] == signed["text"]
    r = client.get(
        f"{API}/materials/applications/{app_id}/documents/{doc['id']}/file", headers=officer
    )
    assert r.status_code == 200 and r.content == report
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")


def test_type_by_content_and_size_limit(
    client: TestClient, as_user: AsUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = as_user("enterprise1")
    app_id = draft(client, firm, "2.6.1")
    r = upload(client, firm, app_id, "audit_report", "审计报告.pdf", b"MZ\x90\x00 not a pdf")
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["rule"] == "file_type" and "审计报告" in err["message"]
    r = upload(client, firm, app_id, "no_such_kind", "a.pdf", sample_pdf("x"))
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "document_kind"
    for name, data, content_type in (
        ("scan.png", PNG, "image/png"),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        ("report.docx", zipped("word/document.xml"), "wordprocessingml"),
        ("figures.xlsx", zipped("xl/workbook.xml"), "spreadsheetml"),
        ("invoice.ofd", zipped("OFD.xml"), "application/ofd"),
    ):
        r = upload(client, firm, app_id, "other", name, data)
        assert r.status_code == 201 and content_type in r.json()["content_type"], (name, r.text)
    r = upload(client, firm, app_id, "other", "any.zip", zipped("readme.txt"))
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "file_type"
    monkeypatch.setenv("HUIQI_UPLOAD_MAX_BYTES", "1000")
    r = upload(client, firm, app_id, "other", "big.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "file_too_large"


def test_scope_of_officers_firms_and_experts(app, client: TestClient, as_user: AsUser) -> None:
    app_id = complete_131(client, as_user)
    with app.state.sessionmaker() as db:
        doc_id = db.scalar(select(Document.id).where(Document.application_id == app_id))
        assert db.scalar(select(func.count()).select_from(CreditCommitment)) == 1
    listing = f"{API}/materials/applications/{app_id}"
    file_url = f"{listing}/documents/{doc_id}/file"
    for user in ("enterprise1", "district_dh", "city_jx", "admin"):
        assert client.get(file_url, headers=as_user(user)).status_code == 200, user
    for user in ("enterprise2", "district_ja", "city_kj", "expert1"):
        assert client.get(file_url, headers=as_user(user)).status_code == 404, user
        assert client.get(listing, headers=as_user(user)).status_code == 404, user
    assert client.get(listing, headers=as_user("analyst")).status_code == 403
    # through district and city review to the expert step; expert1 and expert2 invited
    r = client.post(
        f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    assert r.status_code == 200, r.text
    city = as_user("city_jx")
    r = client.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 200 and r.json()["status"] == "expert_review", r.text
    experts = {
        e["username"]: e["id"] for e in client.get(f"{API}/reviews/experts", headers=city).json()
    }
    r = client.post(
        f"{API}/reviews/{app_id}/experts",
        json={"expert_ids": [experts["expert1"], experts["expert2"]]},
        headers=city,
    )
    assert r.status_code == 201, r.text
    for user in ("expert1", "expert2"):
        assert client.get(file_url, headers=as_user(user)).status_code == 200, user
    # a recused expert sees nothing any more
    r = client.post(
        f"{API}/experts/applications/{app_id}/recuse",
        json={"reason": "与申报企业有合作关系"},
        headers=as_user("expert2"),
    )
    assert r.status_code == 200, r.text
    assert client.get(file_url, headers=as_user("expert2")).status_code == 404
    assert client.get(listing, headers=as_user("expert2")).status_code == 404
    assert client.get(file_url, headers=as_user("expert1")).status_code == 200
    # 退回补正 asking for a document; the firm answers with an upload and amends
    r = client.post(
        f"{API}/applications/{app_id}/return",
        json={"reason": "请补充", "requested_documents": ["no_such_kind"]},
        headers=city,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "requested_documents"
    r = client.post(
        f"{API}/applications/{app_id}/return",
        json={
            "reason": "请补充接入企业清单（服务企业效果说明附件）",
            "requested_documents": ["service_effect_report"],
        },
        headers=city,
    )
    assert r.status_code == 200 and r.json()["status"] == "returned", r.text
    firm = as_user("enterprise1")
    # the documents of version 1 do not answer the request: the correction must bring a new one
    r = client.post(f"{API}/applications/{app_id}/amend", json={}, headers=firm)
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["rule"] == "requested_document" and "服务企业效果说明" in err["message"]
    extra = sample_pdf("customer list")
    r = upload(client, firm, app_id, "service_effect_report", "接入企业清单.pdf", extra)
    assert r.status_code == 201 and r.json()["version"] == 2, r.text
    r = client.post(f"{API}/applications/{app_id}/amend", json={}, headers=firm)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    # the assignment was for version 1: expert1 no longer opens anything of this claim
    assert client.get(file_url, headers=as_user("expert1")).status_code == 404
    docs = client.get(listing, headers=as_user("district_dh")).json()["documents"]
    assert [(d["filename"], d["version"]) for d in docs][-1] == ("接入企业清单.pdf", 2)


def test_demo_claims_carry_their_documents(app: FastAPI) -> None:
    """`huiqi serve` seeds claims through the same submission, documents and signature
    included, so the required-documents rule holds for the demo too."""
    from huiqi.platform.audit.service import verify
    from huiqi.platform.demo import seed_applications
    from huiqi.platform.materials.service import missing

    with app.state.sessionmaker() as db:
        assert seed_applications(db) is True
        apps = list(db.scalars(select(Application)))
        assert apps and all(missing(db, a) == [] for a in apps)
        kinds = {
            (a.measure_id, d.kind)
            for a in apps
            for d in db.scalars(select(Document).where(Document.application_id == a.id))
        }
        assert ("2.6.1", "audit_report") in kinds and ("1.3.1", "service_effect_report") in kinds
        assert verify(db).ok
