"""Withdraw (撤回) and return-for-correction → amend → resubmit, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from tests.helpers.api import AsUser
from tests.helpers.applications import expert_ids, to_expert_step

API = "/api/v1"


def _submit(
    client: TestClient, as_user: AsUser, measure: str = "2.6.1", key: str | None = None
) -> int:
    h = as_user("enterprise1")
    if key:
        h = {**h, "Idempotency-Key": key}
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": measure, "fiscal_year": 2023},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _pool(client: TestClient, as_user: AsUser, measure_id: str) -> dict[str, int]:
    pools = client.get(f"{API}/budgets", params={"fiscal_year": 2023}, headers=as_user("admin"))
    return next(p for p in pools.json() if p["measure_id"] == measure_id)


def test_withdraw_before_decision_refused_after(client: TestClient, as_user: AsUser) -> None:
    firm = as_user("enterprise1")
    a = _submit(client, as_user, "2.6.1")
    client.post(
        f"{API}/reviews/{a}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    url = f"{API}/applications/{a}/withdraw"
    r = client.post(url, json={"reason": ""}, headers=firm)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reason"
    # another firm cannot withdraw it (and cannot tell it exists); officers cannot either
    r = client.post(url, json={"reason": "x"}, headers=as_user("enterprise2"))
    assert r.status_code == 404
    r = client.post(url, json={"reason": "x"}, headers=as_user("city_kj"))
    assert r.status_code == 403
    committed = _pool(client, as_user, "2.6.1")["committed_fen"]
    r = client.post(url, json={"reason": "数据有误，下年度再报"}, headers=firm)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text
    assert _pool(client, as_user, "2.6.1")["committed_fen"] == committed
    r = client.post(url, json={"reason": "again"}, headers=firm)
    assert r.status_code == 409
    assert a not in [
        x["id"] for x in client.get(f"{API}/reviews/queue", headers=as_user("city_kj")).json()
    ]
    r = client.post(f"{API}/reviews/{a}/city", json={"outcome": "pass"}, headers=as_user("city_kj"))
    assert r.status_code == 409

    # after the decision: refused, naming the rule
    b = _submit(client, as_user, "2.6.2")
    client.post(
        f"{API}/reviews/{b}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    client.post(f"{API}/reviews/{b}/city", json={"outcome": "pass"}, headers=as_user("city_kj"))
    r = client.post(
        f"{API}/reviews/{b}/decision", json={"approve": True}, headers=as_user("city_kj")
    )
    assert r.status_code == 200, r.text
    for action, body in (("withdraw", {"reason": "不想要了"}), ("amend", {})):
        r = client.post(f"{API}/applications/{b}/{action}", json=body, headers=firm)
        err = r.json()["errors"][0]
        assert r.status_code == 409 and err["rule"] == "after_decision", r.text
        assert "决定后不得" in err["message"]
    r = client.post(
        f"{API}/applications/{b}/return", json={"reason": "补材料"}, headers=as_user("city_kj")
    )
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "after_decision"
    audit = client.get(f"{API}/audit", params={"limit": 500}, headers=as_user("admin")).json()
    assert any(e["action"] == "application.withdraw" and e["entity_id"] == str(a) for e in audit)


def test_return_amend_resubmit(client: TestClient, as_user: AsUser) -> None:
    firm = as_user("enterprise1")
    a = _submit(client, as_user, "2.6.1", key="amend-1")
    v1 = client.get(f"{API}/applications/{a}", headers=firm).json()
    assert v1["version"] == 1 and v1["engine_amount_fen"] == 40 * WAN

    # only officers in scope may return: the 江岸区 officer cannot see a 东湖高新区 firm's claim
    url = f"{API}/applications/{a}/return"
    assert client.post(url, json={"reason": "x"}, headers=as_user("district_ja")).status_code == 404
    assert client.post(url, json={"reason": "x"}, headers=firm).status_code == 403
    r = client.post(url, json={"reason": ""}, headers=as_user("district_dh"))
    assert r.status_code == 422
    # the firm cannot amend what was not returned
    r = client.post(f"{API}/applications/{a}/amend", json={}, headers=firm)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "not_returned"
    reason = "请补正：1. 2023 年度研发投入与审计报告不一致；2. 补充研发费用加计扣除明细"
    r = client.post(url, json={"reason": reason}, headers=as_user("district_dh"))
    assert r.status_code == 200 and r.json()["status"] == "returned", r.text
    detail = client.get(f"{API}/applications/{a}", headers=firm).json()
    assert detail["reviews"][-1]["stage"] == "return" and detail["reviews"][-1]["opinion"] == reason

    # the firm corrects its 一企一档 (R&D 400万 -> 300万), then amends: fresh snapshot + figure
    r = client.put(
        f"{API}/enterprises/1/figures/2023",
        json={"revenue_fen": 2000 * WAN, "rd_expense_fen": 300 * WAN},
        headers=firm,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/applications/{a}/amend",
        json={"statement": "已按审计报告更正研发投入"},
        headers=as_user("enterprise2"),
    )
    assert r.status_code == 404  # another firm
    r = client.post(
        f"{API}/applications/{a}/amend",
        json={"statement": "已按审计报告更正研发投入"},
        headers=firm,
    )
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["id"] == a and v2["version"] == 2 and v2["status"] == "submitted"
    assert v2["engine_amount_fen"] == 30 * WAN  # 10% of 300万
    r = client.post(f"{API}/applications/{a}/amend", json={}, headers=firm)
    assert r.status_code == 409  # already resubmitted

    # the v1 snapshot is still there, unchanged
    versions = client.get(f"{API}/applications/{a}/versions", headers=firm).json()
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    old = client.get(f"{API}/applications/{a}/versions/1", headers=as_user("district_dh")).json()
    assert old["facts"]["annual"]["2023"]["rd_expense"] == "4000000.00"
    assert old["engine_amount_fen"] == 40 * WAN
    assert versions[1]["facts"]["annual"]["2023"]["rd_expense"] == "3000000.00"
    assert client.get(f"{API}/applications/{a}/versions/3", headers=firm).status_code == 404
    assert (
        client.get(f"{API}/applications/{a}/versions/1", headers=as_user("enterprise2")).status_code
        == 404
    )

    # the retry of the first submission still returns this one application
    again = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers={**firm, "Idempotency-Key": "amend-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == a and again.json()["version"] == 2

    # back in district first review, and on through the city to a decision on version 2
    queue = client.get(f"{API}/reviews/queue", headers=as_user("district_dh")).json()
    assert a in [x["id"] for x in queue]
    r = client.post(
        f"{API}/reviews/{a}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    assert r.status_code == 200
    city = as_user("city_kj")
    # the city may return it too, before its decision
    r = client.post(url, json={"reason": "补充说明"}, headers=city)
    assert r.status_code == 200 and r.json()["status"] == "returned"
    r = client.post(f"{API}/applications/{a}/amend", json={}, headers=firm)
    assert r.status_code == 200 and r.json()["version"] == 3
    client.post(
        f"{API}/reviews/{a}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    client.post(f"{API}/reviews/{a}/city", json={"outcome": "pass"}, headers=city)
    r = client.post(f"{API}/reviews/{a}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200 and r.json()["application"]["decided_amount_fen"] == 30 * WAN

    admin = as_user("admin")
    actions = [
        e["action"] for e in client.get(f"{API}/audit", params={"limit": 500}, headers=admin).json()
    ]
    assert actions.count("review.return") == 2 and actions.count("application.amend") == 2
    assert client.get(f"{API}/audit/verify", headers=admin).json()["ok"] is True


def test_returned_expert_invitations_are_cancelled(client: TestClient, as_user: AsUser) -> None:
    firm, city = as_user("enterprise1"), as_user("city_jx")
    a = to_expert_step(client, as_user)
    experts = expert_ids(client, as_user)
    client.post(
        f"{API}/reviews/{a}/experts", json={"expert_ids": [experts["expert1"]]}, headers=city
    )
    r = client.post(
        f"{API}/applications/{a}/return", json={"reason": "补充节点接入企业名单"}, headers=city
    )
    assert r.status_code == 200
    e1 = as_user("expert1")
    r = client.post(
        f"{API}/experts/applications/{a}/opinion",
        json={"opinion": "agree", "score": 90, "conflict_declared": True},
        headers=e1,
    )
    # the invitation ended with the version it was for: no access at all any more
    assert r.status_code == 404
    # version 2 gets a fresh invitation; the same expert may be asked again
    client.post(
        f"{API}/applications/{a}/amend", json={"requested_amount_fen": 180 * WAN}, headers=firm
    )
    client.post(
        f"{API}/reviews/{a}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    client.post(f"{API}/reviews/{a}/city", json={"outcome": "pass"}, headers=city)
    r = client.post(
        f"{API}/reviews/{a}/experts", json={"expert_ids": [experts["expert1"]]}, headers=city
    )
    assert r.status_code == 201 and r.json()[0]["version"] == 2
    view = client.get(f"{API}/experts/applications/{a}", headers=e1).json()
    assert view["version"] == 2 and view["requested_amount_fen"] == 180 * WAN
    # the firm withdraws while experts are reviewing: the invitation ends with it
    r = client.post(f"{API}/applications/{a}/withdraw", json={"reason": "节点停运"}, headers=firm)
    assert r.status_code == 200
    # and with it the expert's access to the claim
    assert client.get(f"{API}/experts/applications/{a}", headers=e1).status_code == 404
    tasks = client.get(f"{API}/experts/assignments", headers=e1).json()
    assert next(t["status"] for t in tasks if t["application_id"] == a) == "cancelled"
