"""Bad input gets a 4xx with a clear Chinese message, and nothing is half-written."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.auth.models import AuthSession
from huiqi.platform.enterprises.models import AnnualFigure, Enterprise
from tests.helpers.api import AsUser
from tests.helpers.jobs import import_job

API = "/api/v1"
CJK = range(0x4E00, 0xA000)


def _counts(app: FastAPI) -> tuple[int, int, int, int]:
    with app.state.sessionmaker() as db:
        return tuple(
            db.scalar(select(func.count()).select_from(m))
            for m in (Application, AuditEntry, Enterprise, AnnualFigure)
        )


def _chinese(r: Response) -> dict[str, str]:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    err = r.json()["errors"][0]
    assert {"path", "rule", "message"} <= set(err)
    assert any(ord(ch) in CJK for ch in err["message"]), err
    return err


def test_bad_requests_are_refused_cleanly(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    firm = as_user("enterprise1")
    before = _counts(app)
    cases = [
        # wrong types
        (
            "POST",
            "/applications",
            {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": "明年"},
            "fiscal_year",
        ),
        (
            "POST",
            "/applications",
            {"enterprise_id": "一", "measure_id": "2.6.1", "fiscal_year": 2023},
            "enterprise_id",
        ),
        (
            "POST",
            "/applications",
            {"enterprise_id": 1, "measure_id": "9.9.9", "fiscal_year": 2023},
            "measure_id",
        ),
        ("POST", "/applications", {"enterprise_id": 1, "measure_id": "2.6.1"}, "fiscal_year"),
        (
            "POST",
            "/applications",
            {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023, "x": 1},
            "x",
        ),
        # negative and fractional amounts
        (
            "PUT",
            "/enterprises/1/figures/2023",
            {"revenue_fen": -100, "rd_expense_fen": 5},
            "revenue_fen",
        ),
        ("PUT", "/enterprises/1/figures/2023", {"revenue_fen": 1.5}, "revenue_fen"),
        (
            "POST",
            "/applications",
            {
                "enterprise_id": 1,
                "measure_id": "1.3.1",
                "fiscal_year": 2023,
                "requested_amount_fen": -5,
            },
            "requested_amount_fen",
        ),
        (
            "POST",
            "/applications",
            {
                "enterprise_id": 1,
                "measure_id": "1.3.1",
                "fiscal_year": 2023,
                "requested_amount_fen": 10**12,
            },
            "requested_amount_fen",
        ),
        # another firm's ID
        (
            "POST",
            "/applications",
            {"enterprise_id": 2, "measure_id": "2.6.1", "fiscal_year": 2023},
            "enterprise_id",
        ),
        ("PUT", "/enterprises/2/figures/2023", {"revenue_fen": 1}, "enterprise_id"),
        # a project of another firm
        (
            "POST",
            "/enterprises/1/projects",
            {
                "name": "x",
                "kind": "smart_transformation",
                "fields": {"equipment_investment_fen": -1},
            },
            "fields.equipment_investment_fen",
        ),
    ]
    for method, path, body, where in cases:
        r = client.request(method, API + path, json=body, headers=firm)
        err = _chinese(r)
        assert err["path"] == where, (path, body, r.json())
    r = client.post(
        f"{API}/applications",
        content=b"{not json",
        headers={**firm, "Content-Type": "application/json"},
    )
    _chinese(r)
    assert _counts(app) == before  # nothing written, not even an audit entry


def test_credit_blocks_with_reason_and_is_a_parameter(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    firm3 = as_user("enterprise3")
    body = {"enterprise_id": 3, "measure_id": "2.6.3", "fiscal_year": 2023}
    before = _counts(app)
    r = client.post(f"{API}/applications", json=body, headers=firm3)
    err = _chinese(r)
    assert r.status_code == 422 and err["rule"] == "credit_blocked"
    assert "严重失信" in err["message"] and "行政处罚" in err["message"]
    assert _counts(app) == before
    admin = as_user("admin")
    r = client.put(f"{API}/parameters/credit.block_enabled", json={"value": False}, headers=admin)
    assert r.status_code == 200 and r.json()["credit.block_enabled"] is False
    r = client.post(f"{API}/applications", json=body, headers=firm3)
    assert r.status_code == 201, r.text
    r = client.put(f"{API}/parameters/credit.penalty_months", json={"value": -1}, headers=admin)
    assert _chinese(r)["path"] == "value"


def test_expired_session(app: FastAPI, client: TestClient, as_user: AsUser) -> None:
    h = as_user("enterprise1")
    client.cookies.clear()
    assert client.get(f"{API}/auth/me", headers=h).status_code == 200
    with app.state.sessionmaker() as db:
        db.execute(
            update(AuthSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        db.commit()
    before = _counts(app)
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=h,
    )
    assert r.status_code == 401
    assert _chinese(r)["message"] == "会话已过期，请重新登录"
    assert _counts(app) == before


def test_import_all_or_nothing(app: FastAPI, client: TestClient, as_user: AsUser) -> None:
    from huiqi.rules.credit_code import make_credit_code

    admin = as_user("admin")
    good = make_credit_code("91420111MA4Y00001")
    header = "统一社会信用代码,企业名称,所属区,行业,软件企业,年度,营业收入（元）,研发投入（元）\n"
    bad_csv = (
        header
        + f"{good},导入甲,洪山区,软件,是,2023,800万元,150万\n"
        + "91420111MA4Y000020,导入乙,洪山区,软件,否,2023,-5,1\n"
    )
    before = _counts(app)
    job = import_job(client, app, admin, {"file": ("firms.csv", bad_csv.encode(), "text/csv")})
    errs = job["result"]["errors"]
    assert job["status"] == "failed" and {e["path"] for e in errs} >= {"rows[3].credit_code"}
    assert _counts(app) == before
    ok_csv = header + f"{good},导入甲,洪山区,软件,是,2023,800万元,150万\n"
    job = import_job(client, app, admin, {"file": ("firms.csv", ok_csv.encode(), "text/csv")})
    assert job["status"] == "done" and job["result"] == {"created": 1, "updated": 0, "rows": 1}
    with app.state.sessionmaker() as db:
        ent = db.scalar(select(Enterprise).where(Enterprise.credit_code == good))
        assert ent.figures[0].revenue_fen == 800 * 10_000 * 100 and ent.is_software
    # the same file as Excel updates instead of duplicating
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "所属区", "软件企业"])
    ws.append([good, "导入甲（更名）", "洪山区", "是"])
    buf = io.BytesIO()
    wb.save(buf)
    job = import_job(client, app, admin, {"file": ("firms.xlsx", buf.getvalue())})
    assert job["status"] == "done" and job["result"] == {"created": 0, "updated": 1, "rows": 1}
