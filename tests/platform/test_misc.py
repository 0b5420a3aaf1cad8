"""Calculator contract and rate limit, budget warning, working days, tasks."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.policy import get_policy
from huiqi.platform.public_notices.workdays import end_of_period, package_calendar
from huiqi.rules.api import evaluate_case_json, explain_case_text
from tests.helpers.api import AsUser

API = "/api/v1"
CASE = {
    "as_of": "2024-06-30",
    "fiscal_year": 2023,
    "enterprise": {"name": "示例软件有限公司", "software_enterprise": True, "district": "洪山区"},
    "annual": {
        "2023": {"revenue": "2000万元", "rd_expense": 4000000.10},
        "2022": {"revenue": 1.2e7},
    },
    "recognitions": [{"kind": "dcmm", "level": 4, "date": "2023-08-01"}],
}


def test_evaluate_is_the_cli_contract(client: TestClient) -> None:
    client.cookies.clear()  # open without login
    raw = json.loads(json.dumps(CASE), parse_float=Decimal)
    r = client.post(f"{API}/evaluate", json=CASE)
    assert r.status_code == 200
    assert r.json() == evaluate_case_json(get_policy(), raw)
    r = client.post(f"{API}/explain", json=CASE)
    assert r.status_code == 200 and r.text == explain_case_text(get_policy(), raw)
    r = client.post(f"{API}/evaluate", json={**CASE, "annual": {"2023": {"revenue": -1}}})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["path"] == "annual.2023.revenue" and err["rule"] and "负" in err["message"]


def test_rate_limit_429(app: FastAPI, client: TestClient) -> None:
    app.state.bucket.rate = 0.5
    app.state.bucket.burst = 3
    codes = [client.post(f"{API}/evaluate", json=CASE).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = client.post(f"{API}/explain", json=CASE)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "请求过于频繁" in r.json()["errors"][0]["message"]


def test_working_days() -> None:
    cal = package_calendar()
    assert end_of_period(dt.date(2024, 6, 3), 5, cal) == dt.date(2024, 6, 7)  # Mon -> Fri
    # Mon 10 June 2024 is 端午节: Thu 6th counts 6, 7, 11, 12, 13
    assert end_of_period(dt.date(2024, 6, 6), 5, cal) == dt.date(2024, 6, 13)
    assert end_of_period(dt.date(2024, 6, 8), 7, cal) == dt.date(2024, 6, 19)  # Sat: from Tue 11th
    assert end_of_period(dt.date(2024, 6, 7), 1, cal) == dt.date(2024, 6, 7)


def test_budget_warning_at_90_percent(client: TestClient, as_user: AsUser) -> None:
    admin = as_user("admin")
    # 2.6.1 for enterprise1 computes 40万; a pool of 44万 is 90.9 % used by it
    r = client.put(
        f"{API}/budgets",
        json={"measure_id": "2.6.1", "fiscal_year": 2023, "total_fen": 44 * 10**6},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["warning"] is None
    firm = as_user("enterprise1")
    app_id = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    ).json()["id"]
    client.post(
        f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    client.post(
        f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=as_user("city_kj")
    )
    r = client.post(
        f"{API}/reviews/{app_id}/decision", json={"approve": True}, headers=as_user("city_kj")
    )
    assert r.status_code == 200 and "90%" in r.json()["budget_warning"]
    pools = client.get(f"{API}/budgets", headers=as_user("analyst")).json()
    pool = next(p for p in pools if p["measure_id"] == "2.6.1")
    assert pool["used_percent"] == 90 and pool["warning"].startswith("预警")
    # the total cannot be cut below what is already committed
    r = client.put(
        f"{API}/budgets",
        json={"measure_id": "2.6.1", "fiscal_year": 2023, "total_fen": 1},
        headers=admin,
    )
    assert r.status_code == 409


def test_tasks(client: TestClient, as_user: AsUser) -> None:
    sup = as_user("supervisor")
    tasks = client.get(f"{API}/tasks", headers=sup).json()
    pol = get_policy()
    assert len(tasks) == sum(len(t.units) for t in pol.tasks)
    assert {t["task_id"] for t in tasks} == {t.id for t in pol.tasks}
    first = tasks[0]
    r = client.patch(
        f"{API}/tasks/{first['id']}",
        json={"status": "in_progress", "progress_percent": 30, "due_date": "2024-12-31"},
        headers=sup,
    )
    assert r.status_code == 200 and r.json()["progress_percent"] == 30
    r = client.post(
        f"{API}/tasks/{first['id']}/notes", json={"note": "已完成千兆光网覆盖摸底"}, headers=sup
    )
    assert r.status_code == 201
    assert (
        client.get(f"{API}/tasks/{first['id']}/notes", headers=sup).json()[0]["author"]
        == "supervisor"
    )
    r = client.patch(f"{API}/tasks/{first['id']}", json={"progress_percent": 130}, headers=sup)
    assert r.status_code == 422
    # a city officer reports on its own units' tasks only
    mine = client.get(f"{API}/tasks", headers=as_user("city_kj")).json()
    assert mine and all(t["unit"] == "市科技局" for t in mine)
    other = next(t for t in tasks if t["unit"] != "市科技局")
    r = client.patch(
        f"{API}/tasks/{other['id']}", json={"status": "done"}, headers=as_user("city_kj")
    )
    assert r.status_code == 404


def test_enterprise_delete(client: TestClient, as_user: AsUser) -> None:
    from huiqi.rules.credit_code import make_credit_code

    admin = as_user("admin")
    body = {
        "credit_code": make_credit_code("91420100MA4N00001"),
        "name": "误建企业",
        "district": "洪山区",
    }
    r = client.post(f"{API}/enterprises", json=body, headers=admin)
    assert r.status_code == 201
    new_id = r.json()["id"]
    r = client.post(f"{API}/enterprises", json=body, headers=admin)
    assert r.status_code == 409  # same credit code twice
    assert (
        client.delete(f"{API}/enterprises/{new_id}", headers=as_user("enterprise1")).status_code
        == 403
    )
    assert client.delete(f"{API}/enterprises/{new_id}", headers=admin).status_code == 204
    assert client.get(f"{API}/enterprises/{new_id}", headers=admin).status_code == 404
    firm = as_user("enterprise1")
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    )
    assert r.status_code == 201
    r = client.delete(f"{API}/enterprises/1", headers=admin)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "has_applications"
