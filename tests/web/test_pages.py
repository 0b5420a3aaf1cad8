"""Fast tests (TestClient): every page and its JSON twin, forms, errors beside fields, roles."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from markupsafe import escape

from huiqi.platform.applications.frozen import is_compact
from huiqi.platform.applications.models import Application
from huiqi.platform.engine import evaluate_measure
from tests.helpers.jobs import drain

CALC = {
    "as_of": "2024-06-30",
    "district": "洪山区",  # 我市: the policy supports Wuhan firms
    "fiscal_year": "2023",
    "software": "on",
    "revenue": "８００万",
    "rd_expense": "130万元",
    "revenue_prev": "0.05亿",
}


def amounts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-amount="([^"]+)">([^<]+)', html))


def test_public_pages_and_json_twins(client_for: Any) -> None:
    c = client_for()
    for url in ("/", "/policy", "/policy/measures/2.6.1", "/calculator", "/login"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert 'lang="zh-CN"' in r.text and 'name="viewport"' in r.text
        j = c.get(url + "?format=json")
        assert j.status_code == 200 and j.headers["content-type"].startswith("application/json")
    lib = c.get("/policy?format=json").json()
    assert lib["count"]["measures"] == 25 and lib["count"]["tasks"] == 46
    assert lib["window"]["start"] == "2022-06-01" and lib["window"]["end"] == "2025-05-31"
    m = next(m for cl in lib["clauses"] for m in cl["measures"] if m["id"] == "2.6.1")
    assert m["cap_fen"] == 100_000_000 and "市科技局" in m["units"]


def test_library_filters_and_countdown(client_for: Any, set_today: Any) -> None:
    set_today("2026-12-01")  # a live deployment today, after the window
    c = client_for()
    html = c.get("/policy").text
    assert "已于 2025-05-31 到期" in html  # today is after the window
    sw = c.get("/policy?format=json&industry=软件和信息技术服务业").json()
    ids = {m["id"] for cl in sw["clauses"] for m in cl["measures"]}
    assert {"2.6.1", "2.6.2", "2.6.3"} <= ids and "3.1.1" not in ids
    unit = c.get("/policy?format=json&unit=市城建局").json()
    assert all("市城建局" in cl["units"] for cl in unit["clauses"]) and unit["clauses"]
    q = c.get("/policy?format=json&q=DCMM").json()
    assert any(m["id"] == "2.6.3" for cl in q["clauses"] for m in cl["measures"])
    assert c.get("/policy?format=json&q=不存在的词语").json()["count"]["clauses"] == 0
    assert c.get("/policy/measures/9.9.9").status_code == 404


def test_calculator_software_firm(client_for: Any) -> None:
    c = client_for()
    r = c.post("/calculator", data=CALC)
    assert r.status_code == 200
    got = amounts(r.text)
    assert got["2.6.1"] == "¥130,000.00" and got["2.6.2"] == "¥30,000.00"
    assert "¥160,000.00" in r.text and "16万元" in r.text
    j = c.post("/calculator?format=json", data=CALC).json()
    elig = {x["measure"]: x["amount_fen"] for x in j["result"]["groups"]["eligible"]}
    assert elig == {"2.6.1": 13_000_000, "2.6.2": 3_000_000}


def test_calculator_gaps_and_errors(client_for: Any) -> None:
    c = client_for()
    r = c.post("/calculator?format=json", data={**CALC, "revenue": "400万", "rd_expense": "30万"})
    rows = {x["measure"]: x for x in r.json()["result"]["groups"]["ineligible"]}
    # 400万 revenue, 30万 R&D: revenue and the ratio share a figure, so the gap is joint
    assert rows["2.6.1"]["gaps"][:2] == [
        "2023年度营业收入增加 ¥1,000,000.00，达到 ¥5,000,000.00（500万元）",
        "2023年度研发投入增加 ¥450,000.00，达到 ¥750,000.00（75万元）",
    ]
    assert rows["2.6.1"]["joint_gap"]["verified"] is True
    bad = {**CALC, "revenue": "abc", "credit_code": "123", "as_of": "2024-13-30"}
    r = c.post("/calculator", data=bad)
    assert r.status_code == 422
    for field in ("revenue", "credit_code", "as_of"):
        m = re.search(rf'id="e-{field}" class="err" role="alert">([^<]+)<', r.text)
        assert m, field
    assert 'aria-describedby="h-revenue e-revenue"' in r.text
    j = c.post("/calculator?format=json", data=bad).json()
    assert {e["path"] for e in j["errors"]} == {"revenue", "credit_code", "as_of"}
    assert c.post("/calculator", data={**CALC, "fiscal_year": "明年"}).status_code == 422


def test_calculator_explains_for_a_firm_owner(client_for: Any) -> None:
    c = client_for()
    r = c.post("/calculator", data=CALC)
    text = re.sub(r"<[^>]+>", "", r.text)
    assert "最高可享：¥130,000.00（13万元），以主管部门审核为准" in text  # 2.6.1: 不超过10%
    assert "确定可享：¥0.00" in text and "合计最高可享：¥160,000.00（16万元）" in text
    assert "申报日 2024年6月30日" in text and "2024-06-30 在" not in text
    assert "待补充" in text and "如已获评工业互联网标识解析二级节点，请补充认定日期" in text
    assert "recognitions[" not in text and "projects[" not in text
    j = c.post("/calculator?format=json", data=CALC).json()["result"]
    assert j["summary"]["up_to"] == "160000.00"
    missing = {x["measure"]: x["missing"] for x in j["groups"]["missing"]}
    assert missing["1.3.1"] == ["如已获评工业互联网标识解析二级节点，请补充认定日期"]
    # a discretionary measure says why, in the text's words
    cloud = {
        **CALC,
        "size": "small",
        "project_kind": "cloud_adoption",
        "project_cloud_adoption_service_date": "2024-01-10",
    }
    j = c.post("/calculator?format=json", data=cloud).json()["result"]
    (row,) = [x for x in j["groups"]["discretionary"] if x["measure"] == "3.2.1"]
    assert row["discretionary_reason"]["reason"].startswith("年度服务券目录")
    assert "预计可享" in row["headline"] and "以主管部门审核为准" in row["headline"]
    # no trivial conditions (a figure merely given) on a platform project
    platform = {
        **CALC,
        "project_kind": "public_service_platform",
        "project_public_service_platform_software_investment": "100万",
        "project_public_service_platform_hardware_investment": "0",
        "project_public_service_platform_recognition_level": "municipal",
        "project_public_service_platform_recognition_date": "2023-01-01",
    }
    html = c.post("/calculator", data=platform).text
    assert "¥0.00 ≥ ¥0.00" not in html and "确定可享：¥300,000.00（30万元）" in html
    # the form's project fields are titled from the policy package
    assert "软件设备投资额（元）" in html


def test_measure_page_says_how_certain_the_amount_is(client_for: Any) -> None:
    c = client_for()
    text = re.sub(r"<[^>]+>", "", c.get("/policy/measures/2.6.1").text)
    assert "金额：最高可享——原文“按照不超过企业年研发投入的10%" in text
    assert "以主管部门审核为准" in text
    text = re.sub(r"<[^>]+>", "", c.get("/policy/measures/2.5.1").text)
    assert "金额：预计可享（区级政策，由项目所在区落实）——原文“各区依法落实专项激励政策”" in text
    assert "金额：确定可享" in re.sub(r"<[^>]+>", "", c.get("/policy/measures/2.6.3").text)


def test_login_errors_and_role_gates(client_for: Any) -> None:
    c = client_for()
    r = c.post("/login", data={"username": "enterprise1", "password": "wrong"})
    assert r.status_code == 400 and "用户名或密码错误" in r.text
    r = c.get("/officer/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert c.get("/officer/queue?format=json").status_code == 401
    ent = client_for("enterprise1")
    assert ent.get("/officer/queue").status_code == 403
    assert ent.get("/analyst").status_code == 403
    assert client_for("analyst").get("/enterprise").status_code == 403
    r = ent.post("/logout", follow_redirects=False)
    assert r.status_code == 303
    assert ent.get("/enterprise", follow_redirects=False).status_code == 303


def _submit(c: Any, measure: str) -> int:
    r = c.get(f"/enterprise/apply?measure={measure}&fiscal_year=2023")
    assert r.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', r.text)[1]
    form = {"measure": measure, "fiscal_year": "2023", "idempotency_key": key}
    r = c.post("/enterprise/apply", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    again = c.post("/enterprise/apply", data=form, follow_redirects=False)  # double click
    assert again.headers["location"] == r.headers["location"]
    return int(re.search(r"/enterprise/applications/(\d+)", r.headers["location"])[1])


def test_calculator_figures_to_profile(client_for: Any) -> None:
    ent = client_for("enterprise1")
    form = {"fiscal_year": "2024", "revenue": "２５００万", "rd_expense": "0.05亿"}
    r = ent.post("/enterprise/figures-from-calculator", data=form, follow_redirects=False)
    assert r.status_code == 303 and "prefill=profile" in r.headers["location"]
    figs = ent.get("/enterprise?format=json").json()["enterprise"]["figures"]
    assert figs[0] == {
        "year": 2024,
        "revenue_fen": 2_500_000_000,
        "rd_expense_fen": 500_000_000,
        "employees": None,
    }
    prefill = ent.get("/calculator?prefill=profile&format=json").json()["input"]
    assert prefill["fiscal_year"] == 2024 and prefill["revenue"] == "25000000.00"
    r = ent.post("/enterprise/figures-from-calculator", data={**form, "revenue": "很多"})
    assert "金额有误，未保存" in r.text


def test_full_lifecycle_through_pages(client_for: Any, set_today: Any) -> None:
    ent = client_for("enterprise1")
    prof = ent.get("/enterprise?format=json").json()
    assert prof["enterprise"]["name"] == "武汉光谷示例软件有限公司"
    assert ent.get("/calculator?prefill=profile&format=json").json()["input"]["revenue"]
    a1 = _submit(ent, "2.6.1")
    a2 = _submit(ent, "2.6.2")
    detail = ent.get(f"/enterprise/applications/{a1}?format=json").json()
    assert detail["application"]["engine_amount_fen"] == 40_000_000
    assert ent.get("/enterprise/applications?format=json").json()["applications"]

    dist = client_for("district_dh")
    queue = dist.get("/officer/queue?format=json").json()["queue"]
    assert {a["id"] for a in queue} == {a1, a2}
    assert client_for("district_ja").get("/officer/queue?format=json").json()["queue"] == []
    page = dist.get(f"/officer/applications/{a1}?format=json").json()
    assert page["actions"] == ["district", "return"] and page["credit"]["blocked"] is False
    r = dist.post(f"/officer/applications/{a1}", data={"action": "district", "outcome": "reject"})
    assert r.status_code == 422 and "不通过时必须填写审核意见" in r.text
    for a in (a1, a2):
        r = dist.post(f"/officer/applications/{a}", data={"action": "district", "outcome": "pass"})
        assert r.status_code == 200  # followed the redirect

    city = client_for("city_kj")
    for a in (a1, a2):
        city.post(f"/officer/applications/{a}", data={"action": "city", "outcome": "pass"})
        r = city.post(f"/officer/applications/{a}", data={"action": "decide", "amount": "50万"})
        assert r.status_code == 422 and "请选择决定" in r.text  # nothing pre-selected
        r = city.post(
            f"/officer/applications/{a}",
            data={"action": "decide", "approve": "yes", "amount": "50万"},
        )
        assert r.status_code == 422 and "不能高于政策公式金额" in r.text
        r = city.post(f"/officer/applications/{a}", data={"action": "decide", "approve": "yes"})
        assert "已作出决定" in r.text
    assert (
        city.get(f"/officer/applications/{a1}?format=json").json()["application"][
            "decided_amount_fen"
        ]
        == 40_000_000
    )

    # 公示 1 (ended, for payment) and 公示 2 (running, for an objection)
    r = city.post(
        "/officer/notices",
        data={"application_ids": [str(a1)], "title": "第一批", "start_date": "2024-01-02"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "不能早于今天" in r.text  # no backdating
    r = city.post(
        "/officer/notices", data={"application_ids": [str(a1)], "title": "第一批"},
        follow_redirects=False,
    )  # fmt: skip
    b1 = int(r.headers["location"].split("/")[2].split("?")[0])
    r = city.post(
        "/officer/notices", data={"application_ids": [str(a2)], "title": "第二批"},
        follow_redirects=False,
    )  # fmt: skip
    b2 = int(r.headers["location"].split("/")[2].split("?")[0])
    assert city.get("/officer/notices?format=json").json()["batches"]
    x = city.get(f"/api/v1/notices/{b1}/export.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    r = ent.post(f"/notices/{b2}/objections", data={"application_id": str(a2), "real_name": "张"})
    assert r.status_code == 422 and "请填写真实姓名" in r.text
    objection = {
        "application_id": str(a2), "real_name": "张三", "contact": "13800000000",
        "reason": "该企业增速数据有误", "evidence": "年报第 3 页",
    }  # fmt: skip
    r = ent.post(f"/notices/{b2}/objections", data=objection)
    assert "异议已提交" in r.text
    assert ent.get(f"/notices/{b2}?format=json").json()["items"][0]["state"] == "objected"

    r = city.post(f"/officer/notices/{b1}/close")
    assert "期满后才能结束" in r.text
    set_today("2024-06-24")  # after the last working day (Fri 21 June)
    r = city.post(f"/officer/notices/{b1}/close")
    assert "公示已结束" in r.text
    r = city.post(f"/officer/applications/{a1}", data={"action": "schedule"})
    assert "已按分担比例安排拨付" in r.text
    pays = city.get("/officer/payments?format=json").json()["payments"]
    assert [p["amount_fen"] for p in pays] == [40_000_000]
    r = city.post(f"/officer/payments/{pays[0]['id']}/paid", data={"voucher": "PZ-001"})
    assert "已确认拨付" in r.text
    detail = ent.get(f"/enterprise/applications/{a1}?format=json").json()
    assert detail["application"]["status"] == "paid"
    assert any("资金已拨付" in ev["title"] for ev in detail["timeline"])

    dash = client_for("analyst").get("/analyst?format=json").json()
    pool = next(p for p in dash["pools"] if p["measure_id"] == "2.6.1")
    assert pool["committed_fen"] == 40_000_000 and pool["paid_fen"] == 40_000_000
    assert dash["by_district"][0]["district"] == "东湖高新区"
    assert dash["trend"]["points"][-1]["cumulative_fen"] >= 40_000_000


def test_budget_bar_turns_red(client_for: Any, app: Any) -> None:
    from huiqi.platform.budgets.models import BudgetPool

    with app.state.sessionmaker() as db:
        pool = db.query(BudgetPool).filter_by(measure_id="2.6.3").one()
        pool.committed_fen = pool.total_fen * 95 // 100
        db.commit()
    html = client_for("analyst").get("/analyst").text
    row = re.search(r'<div class="bar-row hot" id="pool-2.6.3-2023">.*?</div>', html, re.S)
    assert row and "bar-fill red" in row[0] and "95%" in row[0]
    assert "预算预警" in html


def test_supervisor_board(client_for: Any, set_today: Any) -> None:
    set_today("2026-12-01")
    sup = client_for("supervisor")
    data = sup.get("/supervisor/tasks?format=json").json()
    assert data["overdue_total"] > 0  # default due date is the window's end, now past
    first = data["units"][0]["tasks"][0]
    assert first["overdue"] is True
    assert 'class="overdue"' in sup.get("/supervisor/tasks").text
    r = sup.post(f"/supervisor/tasks/{first['id']}", data={"status": "done", "note": "已完成"})
    assert "任务已更新" in r.text
    detail = sup.get(f"/supervisor/tasks/{first['id']}?format=json").json()
    assert detail["task"]["status"] == "done" and detail["notes"][0]["note"] == "已完成"
    r = sup.post(f"/supervisor/tasks/{first['id']}", data={"progress_percent": "120"})
    assert "进度应为 0–100 的整数" in r.text
    mine = client_for("city_jx").get("/supervisor/tasks?format=json").json()
    assert {g["unit"] for g in mine["units"]} == {"市经信局"}


def test_offers_page(client_for: Any, app: Any) -> None:
    city = client_for("city_kj")
    r = city.post(
        "/api/v1/campaigns",
        json={"measure_id": "2.6.3", "fiscal_year": 2023, "title": "DCMM 免申即享"},
    )
    assert r.status_code == 202, r.text
    drain(app)
    ent = client_for("enterprise1")
    offers = ent.get("/enterprise/offers?format=json").json()["offers"]
    assert offers and offers[0]["response"] == "pending"
    # the campaign stored a compact evaluation; the page shows the full explanation, the one a
    # single evaluation of the frozen facts gives
    app_id = offers[0]["application"]["id"]
    with app.state.sessionmaker() as db:
        stored = db.execute(
            sa.text("SELECT evaluation FROM applications WHERE id = :id"), {"id": app_id}
        ).scalar_one()
        stored = stored if isinstance(stored, dict) else json.loads(stored)
        frozen = db.get(Application, app_id)
        assert frozen is not None
        single = evaluate_measure(frozen.facts, "2.6.3", frozen.project_id).evaluation
    assert is_compact(stored) and "reasons" not in stored
    detail = ent.get(f"/enterprise/applications/{app_id}?format=json").json()
    assert detail["evaluation_row"] == single["row"] and single["row"]["reasons"]
    html = ent.get(f"/enterprise/applications/{app_id}").text
    assert "申报时的测算依据（已冻结）" in html and str(escape(single["row"]["reasons"][0])) in html
    r = ent.post(f"/enterprise/offers/{offers[0]['id']}/confirm")
    assert "已确认享受" in r.text
    assert ent.get("/enterprise/offers?format=json").json()["offers"][0]["response"] == "confirmed"


CSV = (
    "credit_code,software_enterprise,revenue,revenue_previous_year,rd_expense,dcmm_level\n"
    "91420100MA4K5Q8U19,true,8000000,5000000,1300000,4\n"
    "BAD,true,1,1,1,\n"
)


def test_screening_upload_progress_download(client_for: Any, app: Any) -> None:
    an = client_for("analyst")
    assert an.get("/analyst/screening?format=json").status_code == 200
    r = an.post("/analyst/screening", data={"fiscal_year": "2023", "as_of": "2024-06-30"})
    assert r.status_code == 422 and "请选择要筛查的" in r.text
    files = {"file": ("registry.csv", io.BytesIO(CSV.encode()), "text/csv")}
    r = an.post(
        "/analyst/screening",
        data={"fiscal_year": "2023", "as_of": "2024-06-30"},
        files=files,
        follow_redirects=False,
    )
    url = r.headers["location"]
    assert an.get(url + "?format=json").json()["job"]["state"] == "queued"
    drain(app)  # what the job worker process does
    job = an.get(url + "?format=json").json()["job"]
    assert job["state"] == "done", job["message"]
    assert job["rows_done"] == 2 and job["bad_rows"] == 1 and job["percent"] == 100
    assert job["totals_fen"]["2.6.1"] == 13_000_000
    out = an.get(url + "/download?kind=csv")
    assert out.status_code == 200 and "130000" in out.text
    assert client_for("enterprise1").get(url).status_code == 403


@pytest.mark.parametrize("url", ["/notices", "/officer/notices", "/officer/payments"])
def test_officer_pages_render(client_for: Any, url: str) -> None:
    c = client_for("city_kj")
    assert c.get(url).status_code == 200
    assert c.get(url + "?format=json").status_code == 200


def test_draft_errors_beside_fields(client_for: Any) -> None:
    ent = client_for("enterprise1")
    r = ent.get("/enterprise/apply?measure=1.3.1&fiscal_year=2023")
    assert 'id="f-requested_amount"' in r.text  # discretionary: the firm states an amount
    key = re.search(r'name="idempotency_key" value="([^"]+)"', r.text)[1]
    form = {"measure": "1.3.1", "fiscal_year": "2023", "idempotency_key": key}
    r = ent.post("/enterprise/apply", data={**form, "requested_amount": "300万"})
    assert r.status_code == 422
    assert re.search(
        r'id="e-requested_amount" class="err" role="alert">[^<]*超过该措施上限', r.text
    )
    r = ent.post("/enterprise/apply", data={**form, "requested_amount": "一些"})
    assert "无法识别的金额" in r.text
    r = ent.post("/enterprise/apply", data={**form, "requested_amount": "１５０万"})
    assert r.status_code == 200 and "申报已提交" in r.text

    blocked = client_for("enterprise3")  # listed as seriously discredited
    r = blocked.get("/enterprise?format=json").json()
    assert r["enterprise"]["credit"]["blocked"] is True
    page = blocked.get("/enterprise/apply?measure=2.6.3&fiscal_year=2023").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    r = blocked.post(
        "/enterprise/apply",
        data={"measure": "2.6.3", "fiscal_year": "2023", "idempotency_key": key},
    )
    assert r.status_code == 422 and "严重失信" in r.text


def test_navigation_only_offers_allowed_pages(client_for: Any) -> None:
    for user in ("enterprise1", "district_dh", "city_kj", "analyst", "supervisor", "admin"):
        c = client_for(user)
        html = c.get("/").text
        nav = re.search(r'<nav aria-label="主导航">(.*?)</nav>', html, re.S)[1]
        for href in re.findall(r'href="([^"]+)"', nav):
            assert c.get(href).status_code == 200, (user, href)


def test_calculator_tells_a_major_penalty_from_an_ordinary_one(client_for: Any) -> None:
    """The application guidelines block a 重大 penalty within 36 months, not an ordinary one:
    the form asks for both dates, and only the major one stops 2.6.1 and 2.6.2."""
    c = client_for()

    def eligible(extra: dict[str, str]) -> dict[str, int]:
        j = c.post("/calculator?format=json", data={**CALC, **extra}).json()
        return {x["measure"]: x["amount_fen"] for x in j["result"]["groups"]["eligible"]}

    assert eligible({"last_penalty_date": "2024-01-10"}) == {
        "2.6.1": 13_000_000,
        "2.6.2": 3_000_000,
    }
    assert eligible({"last_major_penalty_date": "2024-01-10"}) == {}
    # 36 months back from the 申报日 2024-06-30 is 2021-06-30: older ones no longer block
    assert eligible({"last_major_penalty_date": "2021-06-29"}) == {
        "2.6.1": 13_000_000,
        "2.6.2": 3_000_000,
    }
    form = c.get("/calculator").text
    assert 'name="last_major_penalty_date"' in form and "所属区（选填）" not in form
