"""A voucher from admission to payment, on SQLite and PostgreSQL: the amount is the engine's,
exact to the fen, and it is paid through the payments pipeline and the 3.2.1 budget pool."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient

from huiqi.cli.main import main as cli
from tests.platform.vouchers.world import API, YEAR, world


def _audit_actions(client: TestClient, admin: dict[str, str]) -> list[str]:
    r = client.get(f"{API}/audit", params={"limit": 500}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    rows = body["entries"] if isinstance(body, dict) else body
    return [e["action"] for e in rows]


def test_voucher_from_issue_to_payment(client: TestClient, as_user: Any) -> None:
    w = world(client, as_user)
    firm, prov, city = w["firm"], w["provider"], as_user("city_jx")
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.status_code == 201, r.text
    v = r.json()
    # 10,000.00 元 × 30% = 3,000.00 元, under the class cap of 5,000.00 元
    assert v["amount_fen"] == 300_000 and v["status"] == "issued"
    assert v["ratio_bp"] == 3000 and v["class_cap_fen"] == 500_000
    assert v["size_decision"]["size"] == "small"
    assert "工信部联企业〔2011〕300号" in v["size_decision"]["reference"]
    basis = v["explanation"]["basis"]
    assert f"按{YEAR}年度奖补标准（上云基础类：奖补比例30%" in basis and "¥3,000.00" in basis
    assert "应用服务目录和奖补标准" in v["explanation"]["words"]

    # the frozen case, given to `huiqi evaluate`, pays the same to the fen
    out = CliRunner().invoke(
        cli, ["evaluate", "--compact", "--measure", "3.2.1", "-"],
        input=json.dumps(v["explanation"]["case"], ensure_ascii=False),
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    rows = [x for x in json.loads(out.output)["results"] if x["project"] == str(v["project_id"])]
    assert rows[0]["status"] == "eligible" and rows[0]["amount"] == "3000.00"

    budgets = client.get(f"{API}/budgets", params={"fiscal_year": YEAR}, headers=as_user("admin"))
    pool = next(b for b in budgets.json() if b["measure_id"] == "3.2.1")
    assert pool["committed_fen"] == 300_000 and pool["paid_fen"] == 0

    vid = v["id"]
    # the provider cannot redeem before the firm confirms delivery
    r = client.post(f"{API}/vouchers/{vid}/redeem", headers=prov)
    assert r.status_code == 409 and "不能申请兑付" in r.json()["errors"][0]["message"]
    assert client.post(f"{API}/vouchers/{vid}/delivered", headers=firm).status_code == 200
    r = client.post(f"{API}/vouchers/{vid}/rating", json={"rating": 5}, headers=firm)
    assert r.status_code == 200 and r.json()["rating"] == 5
    # the firm cannot redeem on the provider's behalf
    assert client.post(f"{API}/vouchers/{vid}/redeem", headers=firm).status_code == 403
    assert client.post(f"{API}/vouchers/{vid}/redeem", headers=prov).status_code == 200
    r = client.post(f"{API}/vouchers/{vid}/settle", headers=city)
    assert r.status_code == 200, r.text
    app_id = r.json()["application_id"]
    app = client.get(f"{API}/applications/{app_id}", headers=city).json()
    assert app["status"] == "noticed" and app["decided_amount_fen"] == 300_000
    assert app["measure_id"] == "3.2.1" and app["enterprise_id"] == 1

    pays = client.post(f"{API}/payments/applications/{app_id}", headers=city)
    assert pays.status_code == 201, pays.text
    assert sum(p["amount_fen"] for p in pays.json()) == 300_000
    for pay in pays.json():
        r = client.post(f"{API}/payments/{pay['id']}/paid", json={"voucher": "PZ-1"}, headers=city)
        assert r.status_code == 200, r.text
    app = client.get(f"{API}/applications/{app_id}", headers=city).json()
    assert app["status"] == "paid"
    budgets = client.get(f"{API}/budgets", params={"fiscal_year": YEAR}, headers=as_user("admin"))
    pool = next(b for b in budgets.json() if b["measure_id"] == "3.2.1")
    assert pool["committed_fen"] == 300_000 and pool["paid_fen"] == 300_000

    actions = _audit_actions(client, as_user("admin"))
    for step in ("pool.provider.apply", "pool.provider.admit", "voucher.catalogue.publish",
                 "voucher.issue", "voucher.deliver", "voucher.rate", "voucher.redeem",
                 "voucher.settle", "voucher.settle.application", "payment.paid"):  # fmt: skip
        assert step in actions, step


def test_yearly_cap_and_half_up(client: TestClient, as_user: Any) -> None:
    w = world(client, as_user, annual_cap_fen=400_000)
    firm = w["firm"]
    # 333.33 元 × 50% = 166.665 元 → 166.67 元 (half-up to the fen)
    r = client.post(f"{API}/vouchers", json={"product_id": w["app"]}, headers=firm)
    assert r.status_code == 201 and r.json()["amount_fen"] == 16_667, r.text
    # 3,000.00 元 by ratio, but only 4,000.00 − 166.67 = 3,833.33 元 left of the yearly cap
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.status_code == 201 and r.json()["amount_fen"] == 300_000
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.status_code == 201, r.text
    third = r.json()
    assert third["amount_fen"] == 400_000 - 16_667 - 300_000 and third["annual_used_fen"] == 316_667
    assert "年度服务券总额上限¥4,000.00" in third["explanation"]["basis"]
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "product_id"
    # giving one up frees its share of the yearly cap and of the budget
    assert client.post(f"{API}/vouchers/{third['id']}/cancel", headers=firm).status_code == 200
    r = client.post(f"{API}/vouchers", json={"product_id": w["app"]}, headers=firm)
    assert r.status_code == 201 and r.json()["amount_fen"] == 16_667


def test_a_voucher_is_paid_once(client: TestClient, as_user: Any) -> None:
    """The voucher's project cannot be claimed again as an ordinary 3.2.1 application, and
    3.2.1 is never offered as 免申即享; a cloud project without a published standard is still
    claimed the ordinary way, with the amount the firm asks for left to review."""
    w = world(client, as_user)
    firm = w["firm"]
    v = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm).json()
    claim = {"enterprise_id": 1, "measure_id": "3.2.1", "fiscal_year": YEAR,
             "project_id": v["project_id"]}  # fmt: skip
    r = client.post(f"{API}/applications/drafts", json=claim, headers=firm)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "voucher_project"
    r = client.post(
        f"{API}/campaigns",
        json={"measure_id": "3.2.1", "fiscal_year": YEAR, "title": "上云"},
        headers=as_user("city_jx"),
    )
    assert r.status_code == 422 and "服务券" in r.json()["errors"][0]["message"]
    proj = client.post(
        f"{API}/enterprises/1/projects",
        json={"name": "自购上云服务", "kind": "cloud_adoption",
              "fields": {"service_date": "2024-03-01"}},
        headers=firm,
    )  # fmt: skip
    assert proj.status_code == 201, proj.text
    r = client.post(
        f"{API}/applications/drafts",
        json={**claim, "project_id": proj.json()["id"], "requested_amount_fen": 100_000},
        headers=firm,
    )
    assert r.status_code == 201, r.text
    assert r.json()["engine_status"] == "discretionary"
    assert r.json()["requested_amount_fen"] == 100_000
