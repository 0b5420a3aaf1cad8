"""Applications driven through the API to a given step, for tests of several modules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from tests.helpers.api import API, AsUser


def approved_application(client: TestClient, as_user: AsUser, key: str = "cal") -> int:
    """enterprise1's 2.6.1 claim taken through district and city review to a decision."""
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers={**as_user("enterprise1"), "Idempotency-Key": key},
    )
    assert r.status_code == 201, r.text
    app_id = int(r.json()["id"])
    r = client.post(
        f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    assert r.status_code == 200, r.text
    city = as_user("city_kj")
    r = client.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 200, r.text
    r = client.post(f"{API}/reviews/{app_id}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200, r.text
    return app_id


def to_expert_step(client: TestClient, as_user: AsUser, measure: str = "1.3.1") -> int:
    r = client.post(
        f"{API}/applications",
        json={
            "enterprise_id": 1,
            "measure_id": measure,
            "fiscal_year": 2023,
            "requested_amount_fen": 150 * WAN,
        },
        headers=as_user("enterprise1"),
    )
    assert r.status_code == 201, r.text
    app_id = int(r.json()["id"])
    r = client.post(
        f"{API}/reviews/{app_id}/district",
        json={"outcome": "pass", "opinion": "材料齐全"},
        headers=as_user("district_dh"),
    )
    assert r.status_code == 200, r.text
    # 1.3.1 is chosen 择优: the measure setting sends it to experts without the officer asking
    r = client.post(
        f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=as_user("city_jx")
    )
    assert r.status_code == 200 and r.json()["status"] == "expert_review", r.text
    return app_id


def expert_ids(client: TestClient, as_user: AsUser) -> dict[str, int]:
    r = client.get(f"{API}/reviews/experts", headers=as_user("city_jx"))
    assert r.status_code == 200, r.text
    return {e["username"]: e["id"] for e in r.json()}
