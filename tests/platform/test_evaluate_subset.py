"""POST /api/v1/evaluate?measures=… evaluates only those measures (a one-clause calculator)."""

from __future__ import annotations

from fastapi.testclient import TestClient

CASE = {
    "as_of": "2024-06-30",
    "fiscal_year": 2023,
    "enterprise": {"software_enterprise": True, "district": "洪山区"},
    "annual": {
        "2023": {"revenue": "800万元", "rd_expense": "130万元"},
        "2022": {"revenue": 5000000},
    },
}


def test_subset_of_measures(client: TestClient) -> None:
    client.cookies.clear()
    r = client.post("/api/v1/evaluate?measures=2.6.1,2.6.2", json=CASE)
    assert r.status_code == 200
    body = r.json()
    assert [(x["measure"], x["amount"]) for x in body["results"]] == [
        ("2.6.1", "130000.00"),
        ("2.6.2", "30000.00"),
    ]
    assert body["total"] == "160000.00"


def test_unknown_measure_is_a_field_error(client: TestClient) -> None:
    client.cookies.clear()
    r = client.post("/api/v1/evaluate?measures=2.6.1,8.8.8", json=CASE)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert (
        err["path"] == "measures" and err["rule"] == "unknown_measure" and "8.8.8" in err["message"]
    )
