"""City re-check catches an award granted after submission (no double payment)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers.api import AsUser

API = "/api/v1"


def test_already_awarded_is_caught_at_city_recheck(client: TestClient, as_user: AsUser) -> None:
    firm = as_user("enterprise1")
    admin = as_user("admin")
    r = client.put(
        f"{API}/budgets",
        json={"measure_id": "2.6.3", "fiscal_year": 2024, "total_fen": 10**9},
        headers=admin,
    )
    assert r.status_code == 200
    r = client.post(
        f"{API}/rounds",
        json={"measure_id": "2.6.3", "fiscal_year": 2024, "opens_on": "2024-06-17",
              "closes_on": "2024-12-31"},
        headers=as_user("city_kj"),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    # DCMM 3 is a one-time award. Two applications (FY 2023 and FY 2024) are both eligible when
    # submitted, because neither has been awarded yet.
    ids = []
    for year in (2023, 2024):
        r = client.post(
            f"{API}/applications",
            json={"enterprise_id": 1, "measure_id": "2.6.3", "fiscal_year": year},
            headers=firm,
        )
        assert r.status_code == 201 and r.json()["engine_status"] == "eligible", r.text
        ids.append(r.json()["id"])
    for app_id in ids:
        r = client.post(
            f"{API}/reviews/{app_id}/district",
            json={"outcome": "pass"},
            headers=as_user("district_dh"),
        )
        assert r.status_code == 200
    city = as_user("city_kj")
    first, second = ids
    assert (
        client.post(
            f"{API}/reviews/{first}/city", json={"outcome": "pass"}, headers=city
        ).status_code
        == 200
    )
    r = client.post(f"{API}/reviews/{first}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200 and r.json()["application"]["decided_amount_fen"] == 20 * 10**6
    # the second one is stopped at the re-check: the firm has had its one-time award
    r = client.post(f"{API}/reviews/{second}/city", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "already_awarded"
    assert "重复" in r.json()["errors"][0]["message"]
    r = client.post(
        f"{API}/reviews/{second}/city",
        json={"outcome": "reject", "opinion": "已获一次性奖励"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
