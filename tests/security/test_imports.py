"""Enterprise import and bulk screening accept what Chinese offices save: CSV in GBK/GB18030
(Excel on Chinese Windows) or UTF-8 with or without BOM, and .xlsx, with Chinese column titles;
each offers a template that imports as it is (SQLite and PostgreSQL for the enterprise import)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from huiqi.platform.tabular import decode_text
from tests.helpers.api import API, AsUser
from tests.helpers.jobs import drain
from tests.helpers.web import session_client

TITLES = (
    "统一社会信用代码,企业名称,所属区,行业,企业规模,软件企业,信用状态,年度,"
    "营业收入（元）,研发投入（元）"
)
ROW = (
    "91420100MA4K5Q8U19,武汉汉字测试软件有限公司,江岸区,软件和信息技术服务业,"
    "small,是,normal,2023,800万元,130万元"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Answer:
    """The import's outcome as one response: its job's result once the job has run."""

    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code, self._body, self.text = status_code, body, str(body)

    def json(self) -> Any:
        return self._body


def _run_import(client: TestClient, admin: dict[str, str], files):
    r = client.post(f"{API}/enterprises/import", files=files, headers=admin)
    if r.status_code != 202:
        return r  # refused at once (file-level problems)
    drain(client.app)
    job = client.get(f"{API}/jobs/{r.json()['id']}", headers=admin).json()
    if job["status"] == "done":
        return _Answer(200, job["result"])
    return _Answer(422, job["result"] or {"errors": [{"message": job["error"]}]})


def _import(client: TestClient, admin: dict[str, str], name: str, content: bytes):
    return _run_import(client, admin, {"file": (name, content, "text/csv")})


def _imported_name(client: TestClient, admin: dict[str, str]) -> str:
    found = client.get(
        f"{API}/enterprises", params={"q": "91420100MA4K5Q8U19"}, headers=admin
    ).json()
    assert len(found) == 1
    return str(found[0]["name"])


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_enterprise_csv_in_every_office_encoding(
    client: TestClient, as_user: AsUser, encoding: str
) -> None:
    admin = as_user("admin")
    content = f"{TITLES}\r\n{ROW}\r\n".encode(encoding)
    r = _import(client, admin, "企业.csv", content)
    assert r.status_code == 200, r.text
    assert r.json()["created"] + r.json()["updated"] == 1
    assert _imported_name(client, admin) == "武汉汉字测试软件有限公司"
    profile = client.get(f"{API}/enterprises", params={"q": "汉字测试"}, headers=admin).json()
    assert profile and profile[0]["district"] == "江岸区"


def test_undecodable_csv_is_named(client: TestClient, as_user: AsUser) -> None:
    # 0x81 opens a two-byte GB18030 character that a space cannot close; not UTF-8 either
    r = _import(client, as_user("admin"), "x.csv", "名称\n".encode("gbk") + b"\x81\x20\n")
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["path"] == "file" and err["rule"] == "encoding" and "GBK" in err["message"]


def test_enterprise_template_imports_as_it_is(client: TestClient, as_user: AsUser) -> None:
    admin = as_user("admin")
    for kind in ("xlsx", "csv"):
        r = client.get(f"{API}/enterprises/import-template.{kind}", headers=admin)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        if kind == "xlsx":
            ws = load_workbook(io.BytesIO(r.content)).active
            assert ws["A1"].value == "统一社会信用代码" and ws["I1"].value == "营业收入（元）"
        else:
            assert r.content.startswith(b"\xef\xbb\xbf") and decode_text(r.content).startswith(
                "统一社会信用代码"
            )
        back = _run_import(
            client,
            admin,
            {"file": (f"模板.{kind}", r.content, XLSX if kind == "xlsx" else "text/csv")},
        )
        assert back.status_code == 200, back.text
    assert _imported_name(client, admin) == "武汉示例软件有限公司"
    # templates are for admins, who import
    assert (
        client.get(
            f"{API}/enterprises/import-template.xlsx", headers=as_user("enterprise1")
        ).status_code
        == 403
    )


def test_enterprise_xlsx_with_chinese_titles(client: TestClient, as_user: AsUser) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(TITLES.replace("（元）", "(元)").split(","))  # ASCII brackets as typed
    ws.append(ROW.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    r = _run_import(client, as_user("admin"), {"file": ("企业.xlsx", buf.getvalue(), XLSX)})
    assert r.status_code == 200, r.text
    assert _imported_name(client, as_user("admin")) == "武汉汉字测试软件有限公司"


SCREEN_TITLES = (
    "统一社会信用代码,软件企业,营业收入（元）,上年营业收入（元）,研发投入（元）,DCMM等级"
)
SCREEN_ROW = "91420100MA4K5Q8U19,是,800万元,500万元,130万元,"


def _screen(app: FastAPI, name: str, content: bytes) -> dict:
    analyst = session_client(app, "analyst")
    r = analyst.post(
        "/analyst/screening",
        data={"fiscal_year": "2023", "as_of": "2024-06-30"},
        files={"file": (name, content, "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    drain(app)  # what the job worker process does
    job = analyst.get(url, params={"format": "json"}).json()["job"]
    assert job["state"] in ("done", "failed"), job
    return dict(job)


@pytest.fixture
def web_app(tmp_path: Path):
    from tests.helpers.web import make_app

    return make_app(tmp_path)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_screening_csv_with_chinese_titles(web_app: FastAPI, encoding: str) -> None:
    job = _screen(web_app, "登记册.csv", f"{SCREEN_TITLES}\n{SCREEN_ROW}\n".encode(encoding))
    assert job["state"] == "done", job["message"]
    assert job["rows_done"] == 1 and job["bad_rows"] == 0 and job["eligible"]["2.6.1"] == 1


def test_screening_template_and_xlsx(web_app: FastAPI) -> None:
    analyst = session_client(web_app, "analyst")
    assert "/analyst/screening/template.xlsx" in analyst.get("/analyst/screening").text
    for kind in ("xlsx", "csv"):
        r = analyst.get(f"/analyst/screening/template.{kind}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        job = _screen(web_app, f"模板.{kind}", r.content)
        assert job["state"] == "done", job["message"]
        assert job["rows_done"] == 1 and job["bad_rows"] == 0 and job["eligible"]["2.6.1"] == 1
