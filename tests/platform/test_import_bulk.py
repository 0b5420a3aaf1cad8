"""Enterprise import in bulk (a job): thousands of rows in batches (COPY on PostgreSQL), column
by column validation, all or nothing, updates of known firms and their figures."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huiqi.platform.audit.service import verify
from huiqi.platform.enterprises.models import AnnualFigure, Enterprise
from huiqi.platform.scale import code_of
from tests.helpers.jobs import import_job

HEADER = (
    "统一社会信用代码,企业名称,所属区,行业,企业规模,软件企业,信用状态,年度,"
    "营业收入（元）,研发投入（元）\n"
)


def _csv(rows: range, revenue: str = "800万元") -> bytes:
    body = "".join(
        f"{code_of(i)},导入企业{i},洪山区,软件,中型,是,正常,2023,{revenue},{i}\n" for i in rows
    )
    return (HEADER + body).encode()


def _counts(app: Any) -> tuple[int, int]:
    with app.state.sessionmaker() as db:
        return (
            db.scalar(select(func.count()).select_from(Enterprise)),
            db.scalar(select(func.count()).select_from(AnnualFigure)),
        )


def test_bulk_import_creates_updates_and_refuses_whole_files(
    client: TestClient, app: Any, as_user: Any
) -> None:
    admin = as_user("admin")
    firms0, figs0 = _counts(app)
    job = import_job(client, app, admin, {"file": ("a.csv", _csv(range(1, 3001)), "text/csv")})
    assert job["status"] == "done", job
    assert job["result"] == {"created": 3000, "updated": 0, "rows": 3000}
    assert _counts(app) == (firms0 + 3000, figs0 + 3000)
    with app.state.sessionmaker() as db:
        ent = db.scalar(select(Enterprise).where(Enterprise.credit_code == code_of(42)))
        assert ent.size == "medium" and ent.is_software and ent.credit_status == "normal"
        assert [(f.year, f.revenue_fen, f.rd_expense_fen) for f in ent.figures] == [
            (2023, 800 * 10_000 * 100, 42 * 100)
        ]
    # the same firms again (and 500 new): updated in place, figures replaced, not duplicated
    job = import_job(
        client, app, admin, {"file": ("b.csv", _csv(range(2501, 3501), "1.2亿"), "text/csv")}
    )
    assert job["result"] == {"created": 500, "updated": 500, "rows": 1000}, job
    assert _counts(app) == (firms0 + 3500, figs0 + 3500)
    with app.state.sessionmaker() as db:
        ent = db.scalar(select(Enterprise).where(Enterprise.credit_code == code_of(2600)))
        assert ent.figures[0].revenue_fen == 12_000 * 10_000 * 100
    # one bad value among thousands of rows: nothing is written, the row and field are named
    bad = _csv(range(5001, 7001)).decode().splitlines()
    bad[1500] = bad[1500].replace("中型", "巨型")
    bad[1700] = bad[1700].replace(",2023,", ",20x3,")
    bad.append(bad[10])  # a duplicate credit code
    job = import_job(client, app, admin, {"file": ("c.csv", "\n".join(bad).encode(), "text/csv")})
    assert job["status"] == "failed"
    paths = {(e["path"], e["rule"]) for e in job["result"]["errors"]}
    assert paths == {
        ("rows[1501].size", "literal_error"),
        ("rows[1701].year", "int_parsing"),
        ("rows[2002].credit_code", "duplicate"),
    }
    assert "rows[1501].size" in job["error"]
    assert _counts(app) == (firms0 + 3500, figs0 + 3500)
    with app.state.sessionmaker() as db:
        assert verify(db).ok
    # only an admin imports
    r = client.post(
        "/api/v1/enterprises/import",
        files={"file": ("a.csv", _csv(range(1, 3)), "text/csv")},
        headers=as_user("city_kj"),
    )
    assert r.status_code == 403
