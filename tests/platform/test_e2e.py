"""End to end through the API, one application of each kind, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from tests.helpers.api import AsUser
from tests.helpers.applications import notice_and_pay, review_to_decision
from tests.helpers.clock import SetToday
from tests.helpers.jobs import run_campaign

API = "/api/v1"


def _submit(
    client: TestClient, h: dict[str, str], body: dict[str, object], key: str
) -> dict[str, object]:
    r = client.post(f"{API}/applications", json=body, headers={**h, "Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return r.json()


def _pool(client: TestClient, as_user: AsUser, measure_id: str) -> dict[str, int]:
    pools = client.get(
        f"{API}/budgets", params={"fiscal_year": 2023}, headers=as_user("admin")
    ).json()
    return next(p for p in pools if p["measure_id"] == measure_id)


def test_computed_261(client: TestClient, as_user: AsUser, set_today: SetToday) -> None:
    firm = as_user("enterprise1")
    app = _submit(
        client, firm, {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023}, "e2e-261"
    )
    # 10% of 400万 R&D = 40万, under the 100万 cap
    assert app["engine_status"] == "eligible" and app["engine_amount_fen"] == 40 * WAN
    # the retry with the same key returns the same application, not a second one
    again = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers={**firm, "Idempotency-Key": "e2e-261"},
    )
    assert again.status_code == 200 and again.json()["id"] == app["id"]
    # the snapshot is frozen: later edits of the profile do not change it
    r = client.put(
        f"{API}/enterprises/1/figures/2023",
        json={"revenue_fen": 1, "rd_expense_fen": 1},
        headers=firm,
    )
    assert r.status_code == 200
    detail = client.get(f"{API}/applications/{app['id']}", headers=firm).json()
    assert detail["facts"]["annual"]["2023"]["rd_expense"] == "4000000.00"
    assert detail["policy_version"] and detail["evaluation"]["row"]["measure"] == "2.6.1"

    review_to_decision(client, as_user, app["id"], "district_dh", "city_kj")
    city = as_user("city_kj")
    r = client.post(
        f"{API}/reviews/{app['id']}/decision",
        json={"approve": True, "amount_fen": 40 * WAN + 1},
        headers=city,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "above_engine"
    r = client.post(
        f"{API}/reviews/{app['id']}/decision",
        json={"approve": True, "amount_fen": 30 * WAN},
        headers=city,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reason"
    r = client.post(f"{API}/reviews/{app['id']}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200, r.text
    assert r.json()["application"]["decided_amount_fen"] == 40 * WAN
    assert _pool(client, as_user, "2.6.1")["committed_fen"] == 40 * WAN

    payments = notice_and_pay(client, as_user, app["id"], "city_kj", set_today)
    assert [(p["payer"], p["amount_fen"]) for p in payments] == [("city", 40 * WAN)]
    r = client.post(
        f"{API}/payments/{payments[0]['id']}/paid", json={"voucher": "KJ-2024-001"}, headers=city
    )
    assert r.status_code == 200
    assert client.get(f"{API}/applications/{app['id']}", headers=firm).json()["status"] == "paid"
    assert _pool(client, as_user, "2.6.1")["paid_fen"] == 40 * WAN
    assert client.get(f"{API}/audit/verify", headers=as_user("admin")).json()["ok"] is True


@pytest.mark.usefixtures("next_year_recorded")  # its 公示 starts today
def test_discretionary_131_with_objection(client: TestClient, as_user: AsUser) -> None:
    firm = as_user("enterprise1")
    app = _submit(
        client,
        firm,
        {
            "enterprise_id": 1,
            "measure_id": "1.3.1",
            "fiscal_year": 2023,
            "requested_amount_fen": 150 * WAN,
        },
        "e2e-131",
    )
    assert app["engine_status"] == "discretionary" and app["engine_amount_fen"] is None
    review_to_decision(client, as_user, app["id"], "district_dh", "city_jx", expert=True)
    city = as_user("city_jx")
    url = f"{API}/reviews/{app['id']}/decision"
    r = client.post(url, json={"approve": True}, headers=city)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "amount_fen"
    r = client.post(url, json={"approve": True, "amount_fen": 200 * WAN + 1}, headers=city)
    assert r.status_code == 422 and "上限" in r.json()["errors"][0]["message"]
    r = client.post(
        url, json={"approve": True, "amount_fen": 120 * WAN, "reason": "专家评分第一"}, headers=city
    )
    assert r.status_code == 200, r.text
    assert _pool(client, as_user, "1.3.1")["committed_fen"] == 120 * WAN

    # 公示 starting today; a real-name objection is checked by the officer; upheld, it sends
    # the application back to city re-check and releases the budget
    r = client.post(
        f"{API}/notices",
        json={"title": "二级节点拟支持", "application_ids": [app["id"]]},
        headers=city,
    )
    assert r.status_code == 201
    batch = r.json()
    r = client.post(f"{API}/notices/{batch['id']}/close", headers=city)
    assert r.status_code == 409  # period still running
    objection = {
        "application_id": app["id"],
        "real_name": "张三",
        "contact": "13800000000",
        "reason": "该节点尚未实际上线运行",
        "evidence": "截图及检测报告见附件链接",
    }
    r = client.post(
        f"{API}/notices/{batch['id']}/objections", json=objection, headers=as_user("enterprise2")
    )
    assert r.status_code == 201, r.text
    detail = client.get(f"{API}/applications/{app['id']}", headers=city).json()
    assert detail["status"] == "in_notice"  # 有异议·核查中: nothing moves until an officer decides
    r = client.post(
        f"{API}/notices/objections/{r.json()['id']}/decision",
        json={"upheld": True, "reason": "现场核查：节点未上线"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["status"] == "upheld", r.text
    detail = client.get(f"{API}/applications/{app['id']}", headers=city).json()
    assert detail["status"] == "district_passed" and detail["decided_amount_fen"] is None
    assert detail["reviews"][-1]["stage"] == "objection"
    assert _pool(client, as_user, "1.3.1")["committed_fen"] == 0


def test_project_311_city_district_split(
    client: TestClient, as_user: AsUser, set_today: SetToday
) -> None:
    firm = as_user("enterprise2")
    profile = client.get(f"{API}/enterprises/2", headers=firm).json()
    project_id = profile["projects"][0]["id"]
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 2, "measure_id": "3.1.1", "fiscal_year": 2023},
        headers=firm,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "project_id"
    app = _submit(
        client,
        firm,
        {"enterprise_id": 2, "measure_id": "3.1.1", "fiscal_year": 2023, "project_id": project_id},
        "e2e-311",
    )
    # 8% of (600万 productive equipment + 100万 R&D) = 56万
    assert app["engine_amount_fen"] == 56 * WAN
    review_to_decision(client, as_user, app["id"], "district_ja", "city_jx")
    r = client.post(
        f"{API}/reviews/{app['id']}/decision", json={"approve": True}, headers=as_user("city_jx")
    )
    assert r.status_code == 200, r.text
    payments = notice_and_pay(client, as_user, app["id"], "city_jx", set_today)
    assert sorted((p["payer"], p["amount_fen"]) for p in payments) == [
        ("city", 28 * WAN),
        ("district", 28 * WAN),
    ]
    by_payer = {p["payer"]: p["id"] for p in payments}
    # the district part is confirmed by the firm's district, not by another district or the city
    r = client.post(
        f"{API}/payments/{by_payer['district']}/paid",
        json={"voucher": "X"},
        headers=as_user("district_dh"),
    )
    assert r.status_code == 403
    r = client.post(
        f"{API}/payments/{by_payer['district']}/paid",
        json={"voucher": "X"},
        headers=as_user("city_jx"),
    )
    assert r.status_code == 403
    r = client.post(
        f"{API}/payments/{by_payer['city']}/paid",
        json={"voucher": "JX-1"},
        headers=as_user("city_jx"),
    )
    assert r.status_code == 200
    assert client.get(f"{API}/applications/{app['id']}", headers=firm).json()["status"] == "noticed"
    r = client.post(
        f"{API}/payments/{by_payer['district']}/paid",
        json={"voucher": "JA-1"},
        headers=as_user("district_ja"),
    )
    assert r.status_code == 200
    assert client.get(f"{API}/applications/{app['id']}", headers=firm).json()["status"] == "paid"
    assert _pool(client, as_user, "3.1.1")["paid_fen"] == 56 * WAN


def test_no_application_263_campaign(client: TestClient, app: FastAPI, as_user: AsUser) -> None:
    city = as_user("city_kj")
    body = {"measure_id": "2.6.3", "fiscal_year": 2023, "title": "DCMM 奖励免申即享"}
    camp = run_campaign(client, app, city, body)
    # enterprise1 (DCMM 3) is a candidate; enterprise3 (DCMM 4) is 严重失信: screened out
    assert camp["screened"] == 3 and camp["candidates"] == 1
    firm = as_user("enterprise1")
    pushes = client.get(f"{API}/campaigns/pushes", headers=firm).json()
    assert len(pushes) == 1 and pushes[0]["response"] == "pending"
    assert client.get(f"{API}/campaigns/pushes", headers=as_user("enterprise3")).json() == []
    r = client.post(
        f"{API}/campaigns/pushes/{pushes[0]['id']}/confirm", headers=as_user("enterprise2")
    )
    assert r.status_code == 404  # another firm's push
    r = client.post(f"{API}/campaigns/pushes/{pushes[0]['id']}/confirm", headers=firm)
    assert r.status_code == 200 and r.json()["response"] == "confirmed"
    app_id = pushes[0]["application_id"]
    detail = client.get(f"{API}/applications/{app_id}", headers=firm).json()
    assert detail["status"] == "submitted" and detail["source"] == "campaign"
    assert detail["engine_amount_fen"] == 20 * WAN
    r = client.post(f"{API}/campaigns/pushes/{pushes[0]['id']}/decline", headers=firm)
    assert r.status_code == 409
    review_to_decision(client, as_user, app_id, "district_dh", "city_kj")
    r = client.post(f"{API}/reviews/{app_id}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200 and r.json()["application"]["decided_amount_fen"] == 20 * WAN
    # one campaign per measure and year: a second one is a clear 409
    r = client.post(
        f"{API}/campaigns",
        json={"measure_id": "2.6.3", "fiscal_year": 2023, "title": "再次筛查"},
        headers=city,
    )
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "campaign_exists"
