"""Objections from the public without login, on SQLite and PostgreSQL: real name, 居民身份证
number (GB 11643 check digit), mobile, reason and evidence files; only during the period; the
application goes back to review; identity numbers reach officers in scope only, masked."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.helpers.api import AsUser
from tests.helpers.applications import approved_application
from tests.helpers.clock import SetToday

# the batches here start today, so late in a year their periods reach the next one
pytestmark = pytest.mark.usefixtures("next_year_recorded")

API = "/api/v1"
ID_NUMBER = "11010519491231002X"  # the worked example of GB 11643-1999
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_batch(client: TestClient, as_user: AsUser, start: str | None = None) -> tuple[int, int]:
    """An approved application listed in a batch; by default the period starts today."""
    app_id = approved_application(client, as_user, key=f"pub-{start}")
    body: dict[str, object] = {"title": "2023年度拟支持名单", "application_ids": [app_id]}
    if start:
        body["start_date"] = start
    r = client.post(f"{API}/notices", json=body, headers=as_user("city_kj"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), app_id


def form(app_id: int, **over: str) -> dict[str, str]:
    return {
        "application_id": str(app_id),
        "real_name": "王小明",
        "id_number": ID_NUMBER,
        "phone": "１３８１２３４５６７８",  # full-width, as typed on a phone keyboard
        "reason": "该企业研发费用中包含了非研发人员工资，与审计报告不符。",
        "evidence_note": "审计报告第 12 页",
        **over,
    }


def state(client: TestClient, as_user: AsUser, app_id: int) -> tuple[str, int, int]:
    """(application status, objections on file, audit entries): what a failure must not change."""
    city = as_user("city_kj")
    status = client.get(f"{API}/applications/{app_id}", headers=city).json()["status"]
    objs = client.get(f"{API}/notices/applications/{app_id}/objections", headers=city).json()
    audit = client.get(f"{API}/audit", params={"limit": 1000}, headers=as_user("admin")).json()
    return status, len(objs), len(audit)


def test_citizen_files_with_evidence_and_the_application_goes_back(
    client: TestClient, as_user: AsUser
) -> None:
    batch_id, app_id = open_batch(client, as_user)
    client.cookies.clear()
    r = client.post(
        f"{API}/notices/{batch_id}/public-objections",
        data=form(app_id),
        files=[("evidence", ("审计报告.pdf", PDF, "application/pdf"))],
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["evidence_files"] == 1 and "核查中" in out["message"]
    assert ID_NUMBER not in r.text and "13812345678" not in r.text

    city = as_user("city_kj")
    detail = client.get(f"{API}/applications/{app_id}", headers=city).json()
    # recorded and under check: the award stays listed (有异议·核查中) until an officer decides
    assert detail["status"] == "in_notice" and detail["decided_amount_fen"] is not None
    assert detail["reviews"][-1]["stage"] == "objection"
    listed = client.get(f"{API}/notices/{batch_id}", headers=city).json()["items"][0]
    assert listed["state"] == "objected" and listed["state_zh"] == "有异议·核查中"

    objs = client.get(f"{API}/notices/applications/{app_id}/objections", headers=city).json()
    assert len(objs) == 1
    o = objs[0]
    assert o["channel"] == "public" and o["real_name"] == "王小明"
    assert o["id_number"] == "1101**********002X" and o["phone"] == "138****5678"
    f = o["files"][0]
    assert f["filename"] == "审计报告.pdf" and f["content_type"] == "application/pdf"
    got = client.get(f["url"], headers=city)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"

    # outside the officer's scope, and for enterprises, neither the objection nor the file
    other = as_user("district_ja")  # enterprise1 is in 东湖高新区
    assert client.get(f["url"], headers=other).status_code == 404
    firm = as_user("enterprise1")
    assert client.get(
        f"{API}/notices/applications/{app_id}/objections", headers=firm
    ).status_code in (
        403,
        404,
    )
    assert client.get(f["url"], headers=firm).status_code in (403, 404)

    # the public notice (API and web JSON twin) and the Excel export never carry the numbers
    notice = client.get(f"{API}/notices/{batch_id}", headers=firm).text
    xlsx = client.get(f"{API}/notices/{batch_id}/export.xlsx", headers=firm)
    cells = " ".join(
        str(c)
        for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
        for c in row
    )
    for text in (notice, cells):
        assert ID_NUMBER not in text and "13812345678" not in text and "王小明" not in text
    # the append-only audit log keeps the filing, with the numbers masked
    admin = as_user("admin")
    audit = client.get(f"{API}/audit", params={"entity": "objection"}, headers=admin).json()
    assert [e["action"] for e in audit] == ["notice.objection"]
    assert audit[0]["actor"] == "public"
    assert audit[0]["after"]["id_number"] == "1101**********002X"
    assert audit[0]["after"]["evidence_files"] == [{"filename": "审计报告.pdf", "bytes": len(PDF)}]
    everything = client.get(f"{API}/audit", params={"limit": 1000}, headers=admin).text
    assert ID_NUMBER not in everything and "13812345678" not in everything
    assert client.get(f"{API}/audit/verify", headers=admin).json()["ok"] is True


def test_bad_id_check_digit_and_bad_phone_are_named_and_nothing_is_written(
    client: TestClient, as_user: AsUser
) -> None:
    batch_id, app_id = open_batch(client, as_user)
    before = state(client, as_user, app_id)
    url = f"{API}/notices/{batch_id}/public-objections"
    client.cookies.clear()
    r = client.post(
        url,
        data=form(app_id, id_number="110105194912310021"),
        files=[("evidence", ("a.pdf", PDF, "application/pdf"))],
    )
    assert r.status_code == 422
    (err,) = r.json()["errors"]
    assert err["path"] == "id_number" and err["rule"] == "id_card"
    assert "居民身份证号码校验位错误" in err["message"] and "应为 X" in err["message"]

    r = client.post(url, data=form(app_id, phone="2381234567"))
    assert r.status_code == 422
    assert [(e["path"], e["rule"]) for e in r.json()["errors"]] == [("phone", "mobile")]
    assert "手机号码" in r.json()["errors"][0]["message"]

    # every problem at once, so a form can show each next to its field
    r = client.post(url, data=form(app_id, real_name="王", reason="不对", phone="1"))
    assert {e["path"] for e in r.json()["errors"]} == {"real_name", "phone", "reason"}
    # an application that is not in this batch
    r = client.post(url, data=form(app_id + 1000))
    assert r.status_code == 404 and r.json()["errors"][0]["path"] == "application_id"
    assert state(client, as_user, app_id) == before


def test_oversize_too_many_and_wrong_type_files_write_nothing(
    client: TestClient, as_user: AsUser
) -> None:
    batch_id, app_id = open_batch(client, as_user)
    before = state(client, as_user, app_id)
    url = f"{API}/notices/{batch_id}/public-objections"
    client.cookies.clear()
    big = PDF + b"0" * (10 * 1024 * 1024)
    r = client.post(
        url,
        data=form(app_id),
        files=[
            ("evidence", ("ok.pdf", PDF, "application/pdf")),
            ("evidence", ("big.pdf", big, "application/pdf")),
        ],
    )
    assert r.status_code == 422
    assert [(e["path"], e["rule"]) for e in r.json()["errors"]] == [("evidence[1]", "too_large")]
    assert "10 MB" in r.json()["errors"][0]["message"]
    # the browser's claim is not trusted: a text file named .pdf is refused
    r = client.post(
        url, data=form(app_id), files=[("evidence", ("x.pdf", b"hello", "application/pdf"))]
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "file_type"
    four = [("evidence", (f"{i}.pdf", PDF, "application/pdf")) for i in range(4)]
    r = client.post(url, data=form(app_id), files=four)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "too_many"
    assert state(client, as_user, app_id) == before


def test_after_the_period_is_refused(
    client: TestClient, as_user: AsUser, set_today: SetToday
) -> None:
    batch_id, app_id = open_batch(client, as_user)  # Mon 17 June 2024 .. Fri 21 June
    set_today("2024-06-22")
    before = state(client, as_user, app_id)
    client.cookies.clear()
    r = client.post(
        f"{API}/notices/{batch_id}/public-objections",
        data=form(app_id),
        files=[("evidence", ("a.png", b"\x89PNG\r\n\x1a\nrest", "image/png"))],
    )
    assert r.status_code == 409
    err = r.json()["errors"][0]
    assert err["rule"] == "not_in_period" and "2024-06-21" in err["message"]
    assert state(client, as_user, app_id) == before


def test_public_filings_are_rate_limited_per_ip(client: TestClient, as_user: AsUser) -> None:
    batch_id, app_id = open_batch(client, as_user)
    client.cookies.clear()
    url = f"{API}/notices/{batch_id}/public-objections"
    codes = [client.post(url, data=form(app_id, phone="1")).status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
    r = client.post(url, data=form(app_id))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "提交过于频繁" in r.json()["errors"][0]["message"]
