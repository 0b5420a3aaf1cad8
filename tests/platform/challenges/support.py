"""Driving the 揭榜挂帅 board through the API (shared by the board's tests)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN
from huiqi.rules.credit_code import make_credit_code

API = "/api/v1"
# a 联合体 member that is not registered on the platform
MEMBER = {"name": "武汉示例物联网技术研究院", "credit_code": make_credit_code("12420100MB1234567")}
# 4,567,891.23 元: 30% is 1,370,367.369 元, which rounds to the fen
INVESTMENT_FEN = 456_789_123


def task_body(**over: Any) -> dict[str, Any]:
    body = {
        "title": "汽车零部件质检的机器视觉应用场景",
        "field": "人工智能",
        "problem": "人工目检漏检率高",
        "requirements": "在三条产线部署机器视觉质检，漏检率低于万分之五",
        "issuer": "武汉示例汽车零部件有限公司",
        "budget_fen": 500 * WAN,
        "deadline": "2024-07-31",
    }
    return {**body, **over}


def publish(client: TestClient, h: dict[str, str], *tasks: dict[str, Any]) -> dict[str, Any]:
    r = client.post(
        f"{API}/challenges/batches",
        json={"year": 2024, "title": "2024年度数字经济应用场景揭榜挂帅榜单", "tasks": list(tasks)},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()


def bid_body(**over: Any) -> dict[str, Any]:
    body = {
        "plan": "联合体分三期实施：样机、试点产线、全面推广",
        "budget_fen": 480 * WAN,
        "milestones": [
            {"title": "试点产线上线", "due": "2024-09-30"},
            {"title": "三条产线全部上线", "due": "2024-12-31"},
        ],
        "members": [MEMBER],
    }
    return {**body, **over}


def expert_id(client: TestClient, admin: dict[str, str], username: str) -> int:
    users = client.get(f"{API}/users", headers=admin).json()
    return next(int(u["id"]) for u in users if u["username"] == username)


def to_in_progress(client: TestClient, as_user: Any, task_id: int) -> int:
    """Bid by enterprise1 with a member, scored by expert1, selected, agreement signed."""
    r = client.post(
        f"{API}/challenges/tasks/{task_id}/bids", json=bid_body(), headers=as_user("enterprise1")
    )
    assert r.status_code == 201, r.text
    bid_id = int(r.json()["id"])
    city = as_user("city_jx")
    e1 = expert_id(client, as_user("admin"), "expert1")
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/experts", json={"expert_ids": [e1]}, headers=city
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/score",
        json={"conflict_declared": True, "score": 88, "comment": "方案可行"},
        headers=as_user("expert1"),
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/select",
        json={"reason": "评分最高，方案可行"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["status"] == "selected", r.text
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/agreement",
        json={"signed_on": "2024-06-17", "agreed_investment_fen": 480 * WAN},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    return bid_id
