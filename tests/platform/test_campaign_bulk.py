"""免申即享 screening through the bulk engine agrees with single-case evaluation."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from tests.helpers.api import AsUser
from tests.helpers.jobs import run_campaign

API = "/api/v1"


def test_campaigns_for_enterprise_and_project_measures(
    client: TestClient, app: FastAPI, as_user: AsUser
) -> None:
    jx = as_user("city_jx")
    body = {"measure_id": "3.1.1", "fiscal_year": 2023, "title": "智能化改造免申即享"}
    camp = run_campaign(client, app, jx, body)
    assert camp["status"] == "done" and camp["candidates"] == 1, camp
    assert camp["job"]["status"] == "done" and camp["job"]["percent"] == 100
    pushes = client.get(f"{API}/campaigns/pushes", headers=as_user("enterprise2")).json()
    detail = client.get(
        f"{API}/applications/{pushes[0]['application_id']}", headers=as_user("enterprise2")
    ).json()
    project_id = client.get(f"{API}/enterprises/2", headers=as_user("enterprise2")).json()[
        "projects"
    ][0]["id"]
    assert detail["project_id"] == project_id and detail["engine_amount_fen"] == 56 * WAN
    assert detail["status"] == "candidate" and detail["facts"]["projects"][0]["id"] == str(
        project_id
    )

    body = {"measure_id": "2.6.1", "fiscal_year": 2023, "title": "研发补助免申即享"}
    assert run_campaign(client, app, jx, body)["candidates"] == 1
    pushes = client.get(f"{API}/campaigns/pushes", headers=as_user("enterprise1")).json()
    assert len(pushes) == 1
    r = client.post(
        f"{API}/campaigns/pushes/{pushes[0]['id']}/decline", headers=as_user("enterprise1")
    )
    assert r.status_code == 200 and r.json()["response"] == "declined"
    claim = client.get(
        f"{API}/applications/{pushes[0]['application_id']}", headers=as_user("enterprise1")
    ).json()
    assert claim["status"] == "declined" and claim["engine_amount_fen"] == 40 * WAN
    # discretionary measures need a firm's own application
    r = client.post(
        f"{API}/campaigns",
        json={"measure_id": "1.3.1", "fiscal_year": 2023, "title": "x"},
        headers=jx,
    )
    assert r.status_code == 422
