"""Applications driven through the API to a given step, for tests of several modules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from tests.helpers.api import API, AsUser
from tests.helpers.clock import SetToday


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


def review_to_decision(
    client: TestClient, as_user: AsUser, app_id: int, district: str, city: str, expert: bool = False
) -> None:
    r = client.post(
        f"{API}/reviews/{app_id}/district",
        json={"outcome": "pass", "opinion": "材料齐全"},
        headers=as_user(district),
    )
    assert r.status_code == 200 and r.json()["status"] == "district_passed", r.text
    r = client.post(
        f"{API}/reviews/{app_id}/city",
        json={"outcome": "pass", "needs_expert": expert},
        headers=as_user(city),
    )
    assert r.status_code == 200, r.text
    if expert:
        assert r.json()["status"] == "expert_review"
        experts = client.get(f"{API}/reviews/experts", headers=as_user(city)).json()
        r = client.post(
            f"{API}/reviews/{app_id}/experts",
            json={"expert_ids": [e["id"] for e in experts if e["username"] == "expert1"]},
            headers=as_user(city),
        )
        assert r.status_code == 201, r.text
        r = client.post(
            f"{API}/experts/applications/{app_id}/opinion",
            json={"opinion": "agree", "score": 92, "conflict_declared": True},
            headers=as_user("expert1"),
        )
        assert r.status_code == 200, r.text
        r = client.post(
            f"{API}/reviews/{app_id}/expert",
            json={"outcome": "pass", "opinion": "专家组评审通过"},
            headers=as_user(city),
        )
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "city_passed"


def notice_and_pay(
    client: TestClient, as_user: AsUser, app_id: int, officer: str, set_today: SetToday
) -> list[dict[str, object]]:
    h = as_user(officer)
    r = client.post(
        f"{API}/notices",
        json={"title": "2023年度第一批拟支持名单", "application_ids": [app_id]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    batch = r.json()
    # starts today (Mon 17 June 2024, the test clock); 5 working days: .. Fri 21 June
    assert (batch["start_date"], batch["end_date"]) == ("2024-06-17", "2024-06-21")
    r = client.get(f"{API}/notices/{batch['id']}/export.xlsx", headers=h)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    set_today("2024-06-21")  # the last working day: still running
    r = client.post(f"{API}/notices/{batch['id']}/close", headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "period_running"
    set_today("2024-06-24")
    r = client.post(f"{API}/notices/{batch['id']}/close", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    r = client.post(f"{API}/payments/applications/{app_id}", headers=h)
    assert r.status_code == 201, r.text
    return r.json()
