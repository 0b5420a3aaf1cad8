"""Enterprise import in bulk (a job): thousands of rows in batches (COPY on PostgreSQL), column
by column validation, all or nothing, updates of known firms and their figures."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

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


def _wrong_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def _audit_count(app: Any) -> int:
    from huiqi.platform.audit.models import AuditEntry

    with app.state.sessionmaker() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry)))


def test_a_failure_while_writing_writes_nothing(client: TestClient, app: Any, as_user: Any) -> None:
    """Firms are written before their figures, in one transaction: when the database refuses
    the figures (the last statement), the firms created and the firms updated by the same
    file are not kept either, nor the import's audit entry."""
    admin = as_user("admin")
    job = import_job(client, app, admin, {"file": ("a.csv", _csv(range(1, 1001)), "text/csv")})
    assert job["status"] == "done", job
    before, audits = _counts(app), _audit_count(app)

    def refuse_figures(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO annual_figures"):
            raise RuntimeError("the database refused the figures")

    # 500 known firms (renamed by the file) and 500 new ones
    renamed = _csv(range(501, 1501)).replace("导入企业".encode(), "改名企业".encode())
    event.listen(app.state.engine, "before_cursor_execute", refuse_figures)
    try:
        job = import_job(client, app, admin, {"file": ("b.csv", renamed, "text/csv")})
    finally:
        event.remove(app.state.engine, "before_cursor_execute", refuse_figures)
    assert job["status"] == "failed", job
    assert _counts(app) == before and _audit_count(app) == audits
    with app.state.sessionmaker() as db:
        names = db.scalars(select(Enterprise.name).where(Enterprise.name.like("改名企业%")))
        assert list(names) == []
    # the same file once the database accepts it: created and updated, with one audit entry
    job = import_job(client, app, admin, {"file": ("b.csv", renamed, "text/csv")})
    assert job["result"] == {"created": 500, "updated": 500, "rows": 1000}, job
    assert _audit_count(app) == audits + 1


def test_every_column_as_people_type_it(client: TestClient, app: Any, as_user: Any) -> None:
    """Codes with spaces, dashes, lower case or full-width characters are normalised (the
    column's fast path leaves them to the full check); amounts in full-width digits, 万/亿;
    a blank line leaves the row numbers of the errors those of the spreadsheet."""
    admin = as_user("admin")
    a, b, c = code_of(9001), code_of(9002), code_of(9003)
    spaced = f"{a[:6]} {a[6:12]}-{a[12:]}"
    full = b.translate({ord(ch): ord(ch) + 0xFEE0 for ch in b})  # ASCII -> full-width
    rows = [
        f"{spaced},甲,洪山区,软件,中型,是,正常,2023,５００万元,1.2亿",
        f"{full},乙,东湖高新区,软件,微型,否,正常,2023,1234.56,",
        f"{c.lower()},丙,江岸区,,,,,,,",
    ]
    body = (HEADER + "\n".join(rows) + "\n").encode()
    job = import_job(client, app, admin, {"file": ("ok.csv", body, "text/csv")})
    assert job["result"] == {"created": 3, "updated": 0, "rows": 3}, job
    with app.state.sessionmaker() as db:
        got = {
            e.credit_code: (
                e.district,
                e.size,
                [(f.revenue_fen, f.rd_expense_fen) for f in e.figures],
            )
            for e in db.scalars(select(Enterprise).where(Enterprise.credit_code.in_([a, b, c])))
        }
    assert got == {
        a: ("洪山区", "medium", [(500 * 10_000 * 100, 12_000 * 10_000 * 100)]),
        b: ("东湖高新区", "micro", [(123_456, None)]),
        c: ("江岸区", "small", []),
    }
    bad = [
        f"{code_of(9101)},丁,洪山区,软件,中型,是,正常,2023,800万元,1",
        "",  # a blank line: still a row of the spreadsheet
        f"{_wrong_check(code_of(9102))},戊,火星区,软件,中型,也许,正常,2023,-5,1",
        f"{code_of(9103)},,洪山区,软件,中型,是,正常,1999,800万元,1",
        f"{code_of(9104)},己,洪山区,软件,中型,是,正常,2023,8.001,十万",
    ]
    before = _counts(app)
    body = (HEADER + "\n".join(bad) + "\n").encode()
    job = import_job(client, app, admin, {"file": ("bad.csv", body, "text/csv")})
    assert job["status"] == "failed"
    errors = {e["path"]: (e["rule"], e["message"]) for e in job["result"]["errors"]}
    assert set(errors) == {
        "rows[4].credit_code", "rows[4].district", "rows[4].is_software", "rows[4].revenue",
        "rows[5].name", "rows[5].year", "rows[6].revenue", "rows[6].rd_expense",
    }  # fmt: skip
    assert errors["rows[4].credit_code"][0] == "credit_code"
    assert "校验位错误" in errors["rows[4].credit_code"][1]
    assert errors["rows[4].district"][0] == "unknown_district"
    assert "火星区" in errors["rows[4].district"][1] and "洪山区" in errors["rows[4].district"][1]
    assert errors["rows[4].is_software"] == ("bool_type", "应为 是/否，收到 '也许'")
    assert errors["rows[4].revenue"][0] == "non_negative"
    assert errors["rows[5].name"] == ("missing", "必填，不能为空")
    assert errors["rows[5].year"][0] == "range"
    assert errors["rows[6].revenue"][0] == "precision"
    assert errors["rows[6].rd_expense"][0] == "number"
    assert _counts(app) == before


def test_registration_dates(client: TestClient, app: Any, as_user: Any) -> None:
    """成立日期 as offices write it; a blank one keeps the date the firm had; a wrong one is
    named with its row."""
    import datetime as dt

    admin = as_user("admin")
    head = "统一社会信用代码,企业名称,所属区,成立日期\n"
    codes = [code_of(i) for i in range(9201, 9205)]
    body = (
        head
        + f"{codes[0]},甲,洪山区,2020-01-05\n"
        + f"{codes[1]},乙,洪山区,2019/3/7\n"
        + f"{codes[2]},丙,洪山区,２０１８年１２月３１日\n"
        + f"{codes[3]},丁,洪山区,\n"
    )
    job = import_job(client, app, admin, {"file": ("d.csv", body.encode(), "text/csv")})
    assert job["result"] == {"created": 4, "updated": 0, "rows": 4}, job

    def dates() -> dict[str, dt.date | None]:
        with app.state.sessionmaker() as db:
            rows = db.execute(
                select(Enterprise.credit_code, Enterprise.registered_on).where(
                    Enterprise.credit_code.in_(codes)
                )
            )
            return {code: day for code, day in rows}

    expected = {
        codes[0]: dt.date(2020, 1, 5),
        codes[1]: dt.date(2019, 3, 7),
        codes[2]: dt.date(2018, 12, 31),
        codes[3]: None,
    }
    assert dates() == expected
    # the same firms without the column, or with it blank: their dates are kept
    again = "统一社会信用代码,企业名称,所属区\n" + "".join(f"{c},改,洪山区\n" for c in codes)
    job = import_job(client, app, admin, {"file": ("e.csv", again.encode(), "text/csv")})
    assert job["result"] == {"created": 0, "updated": 4, "rows": 4}, job
    assert dates() == expected
    bad = head + f"{codes[0]},甲,洪山区,2020-02-30\n{codes[1]},乙,洪山区,去年\n"
    job = import_job(client, app, admin, {"file": ("f.csv", bad.encode(), "text/csv")})
    assert job["status"] == "failed"
    assert {(e["path"], e["rule"], e["message"]) for e in job["result"]["errors"]} == {
        ("rows[2].registered_on", "date_parsing", "应为日期（YYYY-MM-DD）"),
        ("rows[3].registered_on", "date_parsing", "应为日期（YYYY-MM-DD）"),
    }
    assert dates() == expected
