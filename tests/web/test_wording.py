"""Plain Chinese, one formatter and the next step, through the pages (TestClient), on SQLite and
PostgreSQL: people named by unit and role, error pages in the site's layout with JSON twins,
amounts and day counts formatted once, numbers in Excel, lists that move items at once."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from huiqi.platform.clock import business_today
from huiqi.server import create_app
from huiqi.web import formatting
from huiqi.web.routes import mount
from tests.helpers.calendar import cover_next_year
from tests.helpers.site_walk import build_world
from tests.helpers.web import login
from tests.platform.conftest import database_url  # noqa: F401  (SQLite and PostgreSQL)

API = "/api/v1"


@pytest.fixture
def world_app(database_url: str) -> Iterator[tuple[FastAPI, dict[str, Any]]]:  # noqa: F811
    app = create_app(database_url, seed_demo=True)
    cover_next_year(app)
    mount(app)
    yield app, build_world(app)
    app.state.engine.dispose() if hasattr(app.state, "engine") else None


def as_user(app: FastAPI, username: str | None) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    if username:
        login(c, username)
    return c


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S))


def test_people_are_named_by_unit_and_role(world_app: tuple[FastAPI, dict[str, Any]]) -> None:
    app, world = world_app
    city = as_user(app, "city_kj")
    page = city.get(f"/officer/applications/{world['decided']}").text
    words = text_of(page)
    assert "东湖高新区经信局审核员" in words and "市科技局审核员" in words
    assert "由武汉光谷示例软件有限公司提交" in words
    for account in ("district_dh", "city_kj", "enterprise1", "（public）", "huiqi explain"):
        assert account not in words, account
    assert "wuhan-digital-economy-2022" not in words
    assert "武政规〔2022〕6号，版本" in words
    # the header names the person once: unit and role, or the firm
    firm = as_user(app, "enterprise1").get("/enterprise").text
    assert re.search(r'<div class="who">\s*<span>武汉光谷示例软件有限公司</span>', firm)
    assert "（企业用户）" not in firm
    header = as_user(app, "district_dh").get("/officer/queue").text
    assert "<span>东湖高新区经信局审核员</span>" in header


def test_error_pages_in_layout_with_json_twins(world_app: tuple[FastAPI, dict[str, Any]]) -> None:
    app, _ = world_app

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("broken on purpose")

    c = as_user(app, "enterprise1")
    r = c.get("/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert '<header class="top">' in r.text and "页面不存在" in r.text
    assert "武汉光谷示例软件有限公司" in r.text  # still logged in on the error page
    j = c.get("/no-such-page?format=json")
    assert j.status_code == 404 and j.json()["errors"][0]["message"]
    j = c.get("/no-such-page", headers={"Accept": "application/json"})
    assert j.status_code == 404 and "errors" in j.json()
    assert c.get(f"{API}/no-such-thing").headers["content-type"].startswith("application/json")
    r = c.get("/officer/queue")
    assert r.status_code == 403 and '<header class="top">' in r.text and "无权访问" in r.text
    r = c.get("/boom-for-test")
    assert r.status_code == 500 and '<header class="top">' in r.text and "系统出错了" in r.text
    assert "RuntimeError" not in r.text and "broken on purpose" not in r.text
    j = c.get("/boom-for-test?format=json")
    assert j.status_code == 500 and j.json()["errors"][0]["rule"] == "internal"


def test_one_formatter_for_amounts_and_days() -> None:
    assert formatting.yuan(5_000_000) == "¥50,000.00"
    assert formatting.wan(5_000_000) == "5万元"
    assert formatting.yuan(None) == "—"
    assert formatting.yuan_text("50000.00") == "¥50,000.00"
    noon_utc = dt.datetime(2024, 6, 30, 16, 30, tzinfo=dt.UTC)  # 00:30 the next day in Beijing
    assert formatting.when(noon_utc) == "2024-07-01 00:30"
    assert formatting.when("2024-06-30T16:30:00+00:00") == "2024-07-01 00:30"
    assert formatting.when(dt.date(2024, 6, 30)) == "2024-06-30"
    end = dt.date(2025, 5, 31)
    state, text = formatting.window_text(dt.date(2022, 6, 1), end, dt.date(2026, 12, 1))
    assert state == "ended" and text.endswith(f"已结束 {(dt.date(2026, 12, 1) - end).days} 天")


def test_day_count_agrees_on_every_page(
    world_app: tuple[FastAPI, dict[str, Any]],
    set_today: Callable[[dt.date | str], None],
) -> None:
    app, _ = world_app
    set_today(dt.date(2025, 7, 1))  # after the policy's window, so every page counts days since
    c = as_user(app, None)
    days = (business_today() - dt.date(2025, 5, 31)).days
    for url in ("/", "/policy", "/policy/measures/2.6.1", "/login"):
        html = c.get(url).text
        found = set(re.findall(r"已结束 (\d+) 天", html))
        assert found <= {str(days)}, (url, found)
    assert f"已结束 {days} 天" in c.get("/policy").text


def test_amounts_in_messages_and_excel(world_app: tuple[FastAPI, dict[str, Any]]) -> None:
    app, world = world_app
    firm = as_user(app, "enterprise1")
    city = as_user(app, "city_kj")
    r = firm.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.3", "fiscal_year": 2023},
        headers={"Idempotency-Key": "fmt-263"},
    )
    assert r.status_code in (200, 201), r.text
    app_id = r.json()["id"]
    as_user(app, "district_dh").post(f"{API}/reviews/{app_id}/district", json={"outcome": "pass"})
    city.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"})
    engine = city.get(f"/officer/applications/{app_id}?format=json").json()["application"]
    too_much = engine["engine_amount_fen"] + 100
    r = city.post(
        f"{API}/reviews/{app_id}/decision", json={"approve": True, "amount_fen": too_much}
    )
    message = r.json()["errors"][0]["message"]
    assert formatting.yuan(engine["engine_amount_fen"]) in message and ".00 元" not in message
    x = city.get(f"{API}/notices/{world['closed_batch']}/export.xlsx")
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws["G2"].value == "拟支持金额（元）"
    cell = ws["G3"]
    assert isinstance(cell.value, (int, float)) and cell.value == 400_000  # a number, not text
    assert "元" in cell.number_format


def test_next_step_after_submitting(world_app: tuple[FastAPI, dict[str, Any]]) -> None:
    app, world = world_app
    firm = as_user(app, "enterprise1")
    page = firm.get(f"/enterprise/applications/{world['second']}?format=json").json()
    assert page["next_step"]["finished"] is False
    r = firm.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.3", "fiscal_year": 2023},
        headers={"Idempotency-Key": "next-263"},
    )
    app_id = r.json()["id"]
    html = firm.get(f"/enterprise/applications/{app_id}").text
    step = text_of(
        html[html.index('id="next-step"') : html.index("</section>", html.index('id="next-step"'))]
    )
    assert "区级初审" in step and "东湖高新区经信局审核员" in step
    # the district stage of the world's claims took less than a day
    assert re.search(r"近期 \d+ 件申报的这一步通常", step)
    assert "我的申报" in step
    # the withdraw box sits below the progress
    assert html.index('id="tl"') < html.index('id="wd-h"')


def test_review_forms_start_with_nothing_selected(
    world_app: tuple[FastAPI, dict[str, Any]],
) -> None:
    app, _ = world_app
    city = as_user(app, "city_jx")
    queue = city.get("/officer/queue?format=json").json()["queue"]
    app_id = next(a["id"] for a in queue if a["status"] == "district_passed")
    html = city.get(f"/officer/applications/{app_id}").text
    assert not re.search(r'name="outcome"[^>]*checked', html)
    r = city.post(f"/officer/applications/{app_id}", data={"action": "city", "opinion": "好"})
    assert r.status_code == 422 and "请选择审核结论" in r.text
    after = city.get(f"/officer/applications/{app_id}?format=json").json()["application"]
    assert after["status"] == "district_passed"  # nothing happened


def test_payments_list_moves_a_scheduled_claim_at_once(
    world_app: tuple[FastAPI, dict[str, Any]],
) -> None:
    app, world = world_app
    city = as_user(app, "city_kj")
    page = city.get("/officer/payments?format=json").json()
    assert world["decided"] not in {a["id"] for a in page["ready"]}  # scheduled already
    assert world["decided"] in {p["application_id"] for p in page["payments"]}


def test_calculator_names_missing_facts_and_links_existing_claims(
    world_app: tuple[FastAPI, dict[str, Any]],
) -> None:
    app, world = world_app
    form = {
        "as_of": "2024-06-30",
        "district": "东湖高新区",  # the policy supports Wuhan firms
        "fiscal_year": "2023",
        "software": "on",
        "revenue": "800万",
        "rd_expense": "130万",
        "revenue_prev": "0.05亿",
    }
    public = as_user(app, None).post("/calculator", data=form)
    words = text_of(public.text)
    # each missing fact is asked as a question in the policy's words, with where to answer it
    assert "缺少相关信息" in words
    assert "如已获评工业互联网标识解析二级节点，请补充认定日期" in words
    assert 'href="#fs-recognitions"' in public.text and 'id="fs-recognitions"' in public.text
    assert "recognitions[]" not in words
    firm = as_user(app, "enterprise1")
    j = firm.post("/calculator?format=json", data=form).json()
    assert j["claims"]["2.6.1"]["id"] == world["decided"]
    html = firm.post("/calculator", data=form).text
    article = html[
        html.index('id="r-2.6.1"') : html.index("</article>", html.index('id="r-2.6.1"'))
    ]
    assert f"/enterprise/applications/{world['decided']}" in article
    assert "核对后直接申报" not in article
    assert "/enterprise#rec" in html  # a firm adds missing facts in its 一企一档


def test_task_notes_name_the_unit_not_the_account(
    world_app: tuple[FastAPI, dict[str, Any]],
) -> None:
    app, _ = world_app
    sup = as_user(app, "supervisor")
    first = sup.get("/supervisor/tasks?format=json").json()["units"][0]["tasks"][0]
    sup.post(f"/supervisor/tasks/{first['id']}", data={"note": "已召开推进会"})
    city = as_user(app, "city_jx")
    mine = city.get("/supervisor/tasks?format=json").json()["units"][0]["tasks"][0]
    city.post(f"/supervisor/tasks/{mine['id']}", data={"note": "已报送进展"})
    notes = sup.get(f"/supervisor/tasks/{first['id']}?format=json").json()["notes"]
    assert notes[-1]["author"] == "市政府督办员"
    html = city.get(f"/supervisor/tasks/{mine['id']}").text
    assert "市经信局审核员" in html and "city_jx" not in text_of(html)
