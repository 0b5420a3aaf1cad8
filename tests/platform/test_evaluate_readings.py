"""POST /api/v1/evaluate takes a case's readings; only readings may be switched."""

from __future__ import annotations

from fastapi.testclient import TestClient

LATE = {
    "as_of": "2025-06-30",
    "fiscal_year": 2024,
    "enterprise": {"software_enterprise": True, "district": "东湖高新区"},
    "annual": {"2024": {"revenue": "1000万", "rd_expense": "200万"}},
}


def test_readings_over_the_api(client: TestClient) -> None:
    client.cookies.clear()
    url = "/api/v1/evaluate?measures=2.6.1"
    default = client.post(url, json=LATE).json()
    assert default["results"][0]["status"] == "ineligible" and default["readings"] == {}
    switched = client.post(url, json={**LATE, "readings": {"window.annual_basis": "fiscal_year"}})
    assert switched.status_code == 200, switched.text
    assert switched.json()["results"][0]["amount"] == "200000.00"
    assert switched.json()["readings"] == {"window.annual_basis": "fiscal_year"}
    bad = client.post(url, json={**LATE, "readings": {"m2_6_1.cap": "2000000"}})
    assert bad.status_code == 422
    (err,) = bad.json()["errors"]
    assert err["path"] == "readings.m2_6_1.cap" and err["rule"] == "not_a_reading"
    assert "读法" in err["message"]
