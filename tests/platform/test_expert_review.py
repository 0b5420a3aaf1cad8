"""The expert / third-party step, end to end through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from tests.helpers.api import AsUser
from tests.helpers.applications import expert_ids, to_expert_step

API = "/api/v1"


def test_expert_path_131(client: TestClient, as_user: AsUser) -> None:
    app_id = to_expert_step(client, as_user)
    city = as_user("city_jx")
    ids = expert_ids(client, as_user)
    assert set(ids) == {"expert1", "expert2"}

    # nothing to close yet: no opinion has come in
    r = client.post(f"{API}/reviews/{app_id}/expert", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "no_expert_opinion"
    r = client.post(
        f"{API}/reviews/{app_id}/experts",
        json={"expert_ids": [ids["expert1"], ids["expert2"]]},
        headers=city,
    )
    assert r.status_code == 201, r.text
    assert [a["status"] for a in r.json()] == ["assigned", "assigned"]
    r = client.post(
        f"{API}/reviews/{app_id}/experts", json={"expert_ids": [ids["expert1"]]}, headers=city
    )
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "already_assigned"
    users = {
        u["username"]: u["id"] for u in client.get(f"{API}/users", headers=as_user("admin")).json()
    }
    r = client.post(
        f"{API}/reviews/{app_id}/experts", json={"expert_ids": [users["analyst"]]}, headers=city
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "expert_ids"

    e1 = as_user("expert1")
    queue = client.get(f"{API}/experts/assignments", headers=e1).json()
    assert [a["application_id"] for a in queue] == [app_id]
    view = client.get(f"{API}/experts/applications/{app_id}", headers=e1).json()
    assert view["measure_id"] == "1.3.1" and view["cap_fen"] == 200 * WAN
    assert view["requested_amount_fen"] == 150 * WAN and "择优" in view["clause_words"]
    # the claim's own material only: the node recognition, not the firm's DCMM, credit or awards
    facts = view["facts"]
    assert [r["kind"] for r in facts["recognitions"]] == ["industrial_internet_identifier_node"]
    assert "prior_awards" not in facts and "projects" not in facts
    assert set(facts["enterprise"]) == {
        "name",
        "district",
        "industry",
        "size",
        "software_enterprise",
    }
    assert set(facts["annual"]) == {"2022", "2023"}

    url = f"{API}/experts/applications/{app_id}/opinion"
    opinion = {
        "opinion": "amend",
        "score": 86,
        "recommended_amount": "120万元",
        "comment": "接入企业数量达标，解析量偏低",
    }
    r = client.post(url, json={**opinion, "conflict_declared": False}, headers=e1)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "conflict_declaration"
    assert "回避" in r.json()["errors"][0]["message"]
    r = client.post(url, json={**opinion, "conflict_declared": True, "score": 101}, headers=e1)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "score"
    r = client.post(
        url,
        json={**opinion, "conflict_declared": True, "recommended_amount": "２０１万元"},
        headers=e1,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "over_cap"
    r = client.post(
        url, json={**opinion, "conflict_declared": True, "recommended_amount": "很多"}, headers=e1
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "recommended_amount"
    r = client.post(url, json={**opinion, "conflict_declared": True}, headers=e1)
    assert r.status_code == 200, r.text
    assert r.json()["recommended_amount_fen"] == 120 * WAN and r.json()["status"] == "submitted"
    r = client.post(url, json={**opinion, "conflict_declared": True}, headers=e1)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "assignment_closed"

    # one expert still owes an opinion: the step cannot close, the decision cannot be taken
    r = client.post(f"{API}/reviews/{app_id}/expert", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "expert_pending"
    r = client.post(
        f"{API}/reviews/{app_id}/decision",
        json={"approve": True, "amount_fen": 100 * WAN},
        headers=city,
    )
    assert r.status_code == 409
    r = client.post(
        f"{API}/experts/applications/{app_id}/opinion",
        json={"opinion": "agree", "score": 78, "conflict_declared": True},
        headers=as_user("expert2"),
    )
    assert r.status_code == 200 and r.json()["recommended_amount_fen"] == 150 * WAN  # as requested

    opinions = client.get(f"{API}/reviews/{app_id}/experts", headers=city).json()
    assert [(o["opinion"], o["score"], o["recommended_amount_fen"]) for o in opinions] == [
        ("amend", 86, 120 * WAN),
        ("agree", 78, 150 * WAN),
    ]
    r = client.post(f"{API}/reviews/{app_id}/expert", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 200 and r.json()["status"] == "city_passed", r.text
    r = client.post(
        f"{API}/reviews/{app_id}/decision",
        json={"approve": True, "amount_fen": 200 * WAN + 1},
        headers=city,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "over_cap"
    r = client.post(
        f"{API}/reviews/{app_id}/decision",
        json={"approve": True, "amount_fen": 120 * WAN, "reason": "按专家组建议金额"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["application"]["decided_amount_fen"] == 120 * WAN

    # the step is closed: a late opinion is refused
    r = client.post(f"{API}/experts/applications/{app_id}/recuse", json={"reason": "x"}, headers=e1)
    assert r.status_code == 409
    admin = as_user("admin")
    actions = [
        e["action"] for e in client.get(f"{API}/audit", params={"limit": 500}, headers=admin).json()
    ]
    assert actions.count("review.expert.assign") == 1
    assert actions.count("review.expert.opinion") == 2
    assert "review.expert.pass" in actions
    assert client.get(f"{API}/audit/verify", headers=admin).json()["ok"] is True


def test_expert_sees_only_assigned(client: TestClient, as_user: AsUser) -> None:
    app_id = to_expert_step(client, as_user)
    ids = expert_ids(client, as_user)
    r = client.post(
        f"{API}/reviews/{app_id}/experts",
        json={"expert_ids": [ids["expert1"]]},
        headers=as_user("city_jx"),
    )
    assert r.status_code == 201
    e2 = as_user("expert2")  # not invited
    assert client.get(f"{API}/experts/assignments", headers=e2).json() == []
    for method, path, body in [
        ("GET", f"/experts/applications/{app_id}", None),
        (
            "POST",
            f"/experts/applications/{app_id}/opinion",
            {"opinion": "agree", "score": 90, "conflict_declared": True},
        ),
        ("POST", f"/experts/applications/{app_id}/recuse", {"reason": "x"}),
        ("GET", f"/applications/{app_id}", None),
        ("GET", "/applications", None),
        ("GET", "/enterprises/1", None),
        ("GET", "/enterprises", None),
        ("PATCH", "/enterprises/1", {"name": "改名"}),
        (
            "POST",
            "/enterprises",
            {"credit_code": "91420100MA4K0A0014", "name": "x", "district": "江岸区"},
        ),
        ("GET", f"/reviews/{app_id}/experts", None),
        ("POST", f"/reviews/{app_id}/expert", {"outcome": "pass"}),
    ]:
        r = client.request(method, API + path, json=body, headers=e2)
        assert r.status_code in (403, 404), (method, path, r.status_code)
        assert r.json()["errors"][0]["message"]
    # the invited expert may recuse (回避); the step then closes without its opinion
    e1 = as_user("expert1")
    r = client.post(
        f"{API}/experts/applications/{app_id}/recuse",
        json={"reason": "曾为该企业提供咨询"},
        headers=e1,
    )
    assert r.status_code == 200 and r.json()["status"] == "recused"
    r = client.post(
        f"{API}/reviews/{app_id}/expert", json={"outcome": "pass"}, headers=as_user("city_jx")
    )
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "no_expert_opinion"


def test_city_sends_any_measure_to_experts_and_setting(client: TestClient, as_user: AsUser) -> None:
    firm = as_user("enterprise1")
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    )
    app_id = r.json()["id"]
    client.post(
        f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    city = as_user("city_kj")
    r = client.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=city)
    assert r.json()["status"] == "city_passed"  # 2.6.1 is computed: no expert step by default
    ids = expert_ids(client, as_user)
    r = client.post(
        f"{API}/reviews/{app_id}/experts", json={"expert_ids": [ids["expert2"]]}, headers=city
    )
    assert r.status_code == 201
    assert (
        client.get(f"{API}/applications/{app_id}", headers=city).json()["status"] == "expert_review"
    )
    # a computed measure's recommendation is capped by the engine's amount (40万)
    r = client.post(
        f"{API}/experts/applications/{app_id}/opinion",
        json={
            "opinion": "amend",
            "score": 60,
            "recommended_amount": "50万",
            "conflict_declared": True,
        },
        headers=as_user("expert2"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "over_cap"

    admin = as_user("admin")
    params = client.get(f"{API}/parameters", headers=admin).json()
    assert params["review.expert_measures"] == ["1.3.1", "1.3.3", "1.3.4", "2.1.1", "2.7.1"]
    r = client.put(
        f"{API}/parameters/review.expert_measures", json={"value": ["9.9.9"]}, headers=admin
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "unknown_measure"
    r = client.put(
        f"{API}/parameters/review.expert_measures", json={"value": ["2.6.2"]}, headers=admin
    )
    assert r.status_code == 200 and r.json()["review.expert_measures"] == ["2.6.2"]
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.2", "fiscal_year": 2023},
        headers=firm,
    )
    app2 = r.json()["id"]
    client.post(
        f"{API}/reviews/{app2}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    r = client.post(f"{API}/reviews/{app2}/city", json={"outcome": "pass"}, headers=city)
    assert r.json()["status"] == "expert_review"
