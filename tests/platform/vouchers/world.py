"""A small voucher world on the demo data: a provider account admitted to the pool with two
products, a published catalogue for the year, a 3.2.1 budget and a 小微 firm (enterprise1,
软件和信息技术服务业, 50 employees, 2000万元 revenue: 小型)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from huiqi.rules.credit_code import make_credit_code
from tests.helpers.api import login

API = "/api/v1"
YEAR = 2024
TODAY = "2024-06-17"
PROVIDER_CODE = make_credit_code("91420100MA4K0P001")
PASSWORD = "provider-pass-2024"


def make_provider_user(client: TestClient, admin: dict[str, str], username: str) -> dict[str, str]:
    r = client.post(
        f"{API}/users",
        json={"username": username, "password": PASSWORD, "role": "provider",
              "display_name": "示例云服务商"},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return login(client, username, PASSWORD)


def admitted_provider(
    client: TestClient, as_user: Any, username: str = "cloud1", code: str = PROVIDER_CODE
) -> tuple[dict[str, str], int]:
    prov = make_provider_user(client, as_user("admin"), username)
    r = client.post(
        f"{API}/vouchers/providers",
        json={"credit_code": code, "name": f"{username} 云服务有限公司", "kind": "platform"},
        headers=prov,
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post(
        f"{API}/vouchers/providers/{pid}/admit", json={"reason": ""}, headers=as_user("city_jx")
    )
    assert r.status_code == 200 and r.json()["status"] == "admitted", r.text
    return prov, pid


def add_product(
    client: TestClient, prov: dict[str, str], name: str, klass: str, price_fen: int
) -> int:
    r = client.post(
        f"{API}/vouchers/products",
        json={"name": name, "product_class": klass, "price_fen": price_fen},
        headers=prov,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def publish(
    client: TestClient,
    officer: dict[str, str],
    products: list[int],
    standards: list[dict[str, Any]],
    *,
    effective_from: str = TODAY,
    annual_cap_fen: int | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "year": YEAR, "effective_from": effective_from, "title": f"{YEAR}年度上云上平台服务券目录",
        "product_ids": products, "standards": standards,
    }  # fmt: skip
    if annual_cap_fen is not None:
        body["annual_cap_fen"] = annual_cap_fen
    r = client.post(f"{API}/vouchers/catalogues", json=body, headers=officer)
    assert r.status_code == 201, r.text
    return dict(r.json())


def small_firm(client: TestClient, as_user: Any, employees: int = 50) -> dict[str, str]:
    firm = as_user("enterprise1")
    r = client.put(
        f"{API}/enterprises/1/figures/2023",
        json={"revenue_fen": 2000 * 10**6, "rd_expense_fen": 400 * 10**6, "employees": employees},
        headers=firm,
    )
    assert r.status_code == 200, r.text
    return firm


def budget(client: TestClient, as_user: Any, total_fen: int = 10**9) -> None:
    r = client.put(
        f"{API}/budgets",
        json={"measure_id": "3.2.1", "fiscal_year": YEAR, "total_fen": total_fen},
        headers=as_user("admin"),
    )
    assert r.status_code == 200, r.text


def world(client: TestClient, as_user: Any, **kw: Any) -> dict[str, Any]:
    prov, pid = admitted_provider(client, as_user)
    basic = add_product(client, prov, "中小企业云主机套餐", "上云基础", 1_000_000)
    app_ = add_product(client, prov, "设备联网工业APP", "工业APP", 33_333)
    ed = publish(
        client,
        as_user("city_jx"),
        [basic, app_],
        [
            {"product_class": "上云基础", "ratio_bp": 3000, "cap_fen": 500_000},
            {"product_class": "工业APP", "ratio_bp": 5000, "cap_fen": 200_000},
        ],
        **kw,
    )
    budget(client, as_user)
    firm = small_firm(client, as_user)
    return {"provider": prov, "provider_id": pid, "basic": basic, "app": app_,
            "edition": ed, "firm": firm}  # fmt: skip
