"""The board's rules: who may do what, deadlines in Beijing dates, GB 32100 codes, 回避, one
揭榜成功 per task, and Chinese errors naming the field — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.platform.auth.models import User
from huiqi.platform.demo import WAN
from tests.helpers.api import login
from tests.platform.challenges.support import (
    API,
    MEMBER,
    bid_body,
    expert_id,
    publish,
    task_body,
    to_in_progress,
)


def err(r: Any) -> dict[str, str]:
    return dict(r.json()["errors"][0])


def test_publishing_checks_the_unit_the_deadline_and_the_field(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("city_jx")
    body = {"year": 2024, "title": "批次", "tasks": [task_body(deadline="2024-06-16")]}
    r = client.post(f"{API}/challenges/batches", json=body, headers=city)
    assert r.status_code == 422 and err(r)["path"] == "tasks[0].deadline"
    assert "早于今天" in err(r)["message"] and "北京时间" in err(r)["message"]
    # the deadline day itself is still open
    body["tasks"] = [task_body(deadline="2024-06-17")]
    assert client.post(f"{API}/challenges/batches", json=body, headers=city).status_code == 201
    body["tasks"] = [task_body(field="元宇宙")]
    r = client.post(f"{API}/challenges/batches", json=body, headers=city)
    assert r.status_code == 422 and err(r)["path"].endswith("field")
    assert "允许" in err(r)["message"]
    body["tasks"] = [task_body(budget_fen=0)]
    r = client.post(f"{API}/challenges/batches", json=body, headers=city)
    assert r.status_code == 422 and err(r)["path"].endswith("budget_fen")
    body["tasks"] = [task_body()]
    # another bureau's officer and firms cannot publish
    r = client.post(f"{API}/challenges/batches", json=body, headers=as_user("city_kj"))
    assert r.status_code == 403 and "市经信局" in err(r)["message"]
    r = client.post(f"{API}/challenges/batches", json=body, headers=as_user("enterprise1"))
    assert r.status_code == 403


def test_bids_check_codes_milestones_and_deadline(client: TestClient, as_user, set_today) -> None:  # type: ignore[no-untyped-def]
    task_id = publish(client, as_user("city_jx"), task_body(deadline="2024-06-20"))["tasks"][0][
        "id"
    ]
    firm = as_user("enterprise1")
    url = f"{API}/challenges/tasks/{task_id}/bids"
    bad = {**MEMBER, "credit_code": MEMBER["credit_code"][:17] + "0"}
    r = client.post(url, json=bid_body(members=[bad]), headers=firm)
    assert r.status_code == 422 and err(r)["path"] == "members[0].credit_code"
    assert "GB 32100" in err(r)["message"]
    r = client.post(url, json=bid_body(members=[MEMBER, MEMBER]), headers=firm)
    assert r.status_code == 422 and err(r)["rule"] == "duplicate_party"
    assert err(r)["path"] == "members[1].credit_code"
    lead = client.get(f"{API}/enterprises/1", headers=firm).json()
    r = client.post(
        url,
        json=bid_body(members=[{"name": "自己", "credit_code": lead["credit_code"]}]),
        headers=firm,
    )
    assert r.status_code == 422 and "牵头单位" in err(r)["message"]
    past = [{"title": "已过去", "due": "2024-06-01"}]
    r = client.post(url, json=bid_body(milestones=past), headers=firm)
    assert r.status_code == 422 and err(r)["path"] == "milestones[0].due"
    r = client.post(url, json=bid_body(plan=""), headers=firm)
    assert r.status_code == 422 and err(r)["path"] == "plan"
    assert client.post(url, json=bid_body(), headers=firm).status_code == 201
    r = client.post(url, json=bid_body(), headers=firm)
    assert r.status_code == 409 and err(r)["rule"] == "duplicate_bid"
    # after the deadline (Beijing date) nobody can bid any more
    set_today("2024-06-21")
    r = client.post(url, json=bid_body(members=[]), headers=as_user("enterprise2"))
    assert r.status_code == 409 and err(r)["rule"] == "deadline_passed"
    r = client.post(url, json=bid_body(), headers=as_user("city_jx"))
    assert r.status_code == 403


def test_experts_of_a_party_cannot_score(client: TestClient, app, as_user) -> None:  # type: ignore[no-untyped-def]
    city, admin = as_user("city_jx"), as_user("admin")
    task_id = publish(client, city, task_body())["tasks"][0]["id"]
    maker = client.get(f"{API}/enterprises/2", headers=admin).json()
    members = [MEMBER, {"name": maker["name"], "credit_code": maker["credit_code"]}]
    r = client.post(
        f"{API}/challenges/tasks/{task_id}/bids",
        json=bid_body(members=members),
        headers=as_user("enterprise1"),
    )
    assert r.status_code == 201, r.text
    bid_id = r.json()["id"]
    # the member registered on the platform is linked to its record, and may read the bid
    assert [p["enterprise_id"] for p in r.json()["parties"]] == [1, None, 2]
    r = client.get(f"{API}/challenges/bids/{bid_id}", headers=as_user("enterprise2"))
    assert r.status_code == 200 and r.json()["allowed"] == []  # reads, does not act
    # an expert who works for the 联合体 member
    r = client.post(
        f"{API}/users",
        json={"username": "expert_maker", "password": "Reviewer2024x", "role": "expert",
              "display_name": "李专家", "enterprise_id": 2},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    url = f"{API}/challenges/bids/{bid_id}/experts"
    r = client.post(url, json={"expert_ids": [r.json()["id"]]}, headers=city)
    assert r.status_code == 422 and err(r)["rule"] == "conflict_of_interest"
    assert err(r)["path"] == "expert_ids"
    assert maker["name"] in err(r)["message"] and "回避" in err(r)["message"]
    # an expert who joins a party after being invited cannot score either
    e2 = expert_id(client, admin, "expert2")
    assert client.post(url, json={"expert_ids": [e2]}, headers=city).status_code == 201
    with app.state.sessionmaker() as db:
        user = db.scalars(select(User).where(User.id == e2)).one()
        user.enterprise_id = 1
        db.commit()
    score = {"conflict_declared": True, "score": 90}
    r = client.post(f"{API}/challenges/bids/{bid_id}/score", json=score, headers=as_user("expert2"))
    assert r.status_code == 403 and err(r)["rule"] == "conflict_of_interest"
    # it recuses itself; with no score at all the bid cannot be selected
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/recuse", json={"reason": "现任职于牵头单位"},
        headers=as_user("expert2"),
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "recused"
    r = client.post(f"{API}/challenges/bids/{bid_id}/select", json={"reason": "x"}, headers=city)
    assert r.status_code == 409 and err(r)["rule"] == "no_score"
    # the declaration is required; an expert not invited sees nothing
    e1 = expert_id(client, admin, "expert1")
    client.post(url, json={"expert_ids": [e1]}, headers=city)
    r = client.post(f"{API}/challenges/bids/{bid_id}/select", json={"reason": "x"}, headers=city)
    assert r.status_code == 409 and err(r)["rule"] == "scores_pending"
    e1h = as_user("expert1")
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/score", json={**score, "conflict_declared": False},
        headers=e1h,
    )  # fmt: skip
    assert r.status_code == 422 and err(r)["path"] == "conflict_declared"
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/score", json={**score, "score": 101}, headers=e1h
    )
    assert r.status_code == 422 and err(r)["path"] == "score"
    maker_expert = login(client, "expert_maker", "Reviewer2024x")
    r = client.get(f"{API}/challenges/bids/{bid_id}", headers=maker_expert)
    assert r.status_code == 404
    # a firm that is party to a bid keeps its record (the bid names it)
    r = client.delete(f"{API}/enterprises/2", headers=admin)
    assert r.status_code == 409 and err(r)["rule"] == "has_challenge_bids"


def test_one_selection_per_task_and_the_moves_of_the_table(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("city_jx")
    task_id = publish(client, city, task_body())["tasks"][0]["id"]
    r = client.post(
        f"{API}/challenges/tasks/{task_id}/bids", json=bid_body(members=[]),
        headers=as_user("enterprise2"),
    )  # fmt: skip
    other = r.json()["id"]
    bid_id = to_in_progress(client, as_user, task_id)
    # once a 揭榜成功方 is chosen the task takes no more bids, though its deadline is ahead
    r = client.post(
        f"{API}/challenges/tasks/{task_id}/bids", json=bid_body(members=[]),
        headers=as_user("enterprise3"),
    )  # fmt: skip
    assert r.status_code == 409 and err(r)["rule"] == "task_taken"
    task = client.get(f"{API}/challenges/board").json()["batches"][0]["tasks"][0]
    assert (task["open"], task["state"]) == (False, "已确定揭榜方")
    e1 = expert_id(client, as_user("admin"), "expert1")
    client.post(f"{API}/challenges/bids/{other}/experts", json={"expert_ids": [e1]}, headers=city)
    client.post(
        f"{API}/challenges/bids/{other}/score", json={"conflict_declared": True, "score": 70},
        headers=as_user("expert1"),
    )  # fmt: skip
    r = client.post(
        f"{API}/challenges/bids/{other}/select", json={"reason": "也不错"}, headers=city
    )
    assert r.status_code == 409 and err(r)["rule"] == "one_per_task"
    r = client.post(f"{API}/challenges/bids/{other}/not-select", json={"reason": ""}, headers=city)
    assert r.status_code == 422 and err(r)["path"] == "reason"
    r = client.post(
        f"{API}/challenges/bids/{other}/not-select", json={"reason": "评分较低"}, headers=city
    )
    assert r.status_code == 200 and r.json()["status"] == "not_selected"
    # wrong status, wrong actor
    r = client.post(f"{API}/challenges/bids/{bid_id}/select", json={"reason": "再选"}, headers=city)
    assert r.status_code == 409 and "实施中" in err(r)["message"]
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/reports", data={"milestone": "0", "summary": "进展"},
        headers=as_user("enterprise2"),
    )  # fmt: skip
    assert r.status_code == 404  # another firm does not even see the project
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/reports", data={"milestone": "5", "summary": "进展"},
        headers=as_user("enterprise1"),
    )  # fmt: skip
    assert r.status_code == 422 and err(r)["path"] == "milestone"
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/reports",
        data={"milestone": "0", "summary": "进展"},
        files=[("files", ("a.pdf", b"not a pdf", "application/pdf"))],
        headers=as_user("enterprise1"),
    )
    assert r.status_code == 422 and err(r)["path"] == "files[0]"
    assessment = {"passed": True, "assessed_on": "2024-06-18", "report": "达标",
                  "total_investment_fen": 300 * WAN}  # fmt: skip
    url = f"{API}/challenges/bids/{bid_id}/assessment"
    r = client.post(url, json=assessment, headers=city)
    assert r.status_code == 422 and err(r)["path"] == "assessed_on"
    r = client.post(url, json={**assessment, "assessed_on": "2024-06-01"}, headers=city)
    assert r.status_code == 422 and err(r)["rule"] == "before_agreement"
    r = client.post(
        url, json={**assessment, "assessed_on": "2024-06-17"}, headers=as_user("city_kj")
    )
    assert r.status_code == 403
    assert client.get(f"{API}/challenges/bids/{bid_id}", headers=city).json()["status"] == (
        "in_progress"
    )  # nothing of the refused attempts was written
