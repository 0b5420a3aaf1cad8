"""The platform's credit check follows the application guidelines, as the engine does: a
recent *major* penalty blocks, an ordinary one only under credit.block_any_penalty."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import months_before
from tests.helpers.api import AsUser

API = "/api/v1"


def _firm(client: TestClient, headers: dict[str, str]) -> int:
    return int(client.get(f"{API}/enterprises", headers=headers).json()[0]["id"])


def _credit(client: TestClient, ent: int, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"{API}/enterprises/{ent}/credit", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_only_a_recent_major_penalty_blocks(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    admin = as_user("admin")
    ent = _firm(client, as_user("enterprise1"))
    assert _credit(client, ent, admin)["blocked"] is False
    today = business_today()
    recent = today - dt.timedelta(days=30)
    r = client.post(
        f"{API}/enterprises/{ent}/penalties",
        json={"decided_on": recent.isoformat(), "authority": "市市场监管局", "summary": "一般违法"},
        headers=admin,
    )
    assert r.status_code == 201 and r.json()["major"] is False, r.text
    assert _credit(client, ent, admin) == {"blocked": False, "reasons": []}

    # the stricter reading of the guidelines: any penalty blocks
    r = client.put(
        f"{API}/parameters/credit.block_any_penalty", json={"value": True}, headers=admin
    )
    assert r.status_code == 200 and r.json()["credit.block_any_penalty"] is True
    res = _credit(client, ent, admin)
    assert res["blocked"] is True and "任何行政处罚都拦截" in str(res["reasons"])
    r = client.put(f"{API}/parameters/credit.block_any_penalty", json={"value": 1}, headers=admin)
    assert r.status_code == 422
    client.put(f"{API}/parameters/credit.block_any_penalty", json={"value": False}, headers=admin)

    # a major penalty exactly 36 months back is outside the window; one day later is inside
    edge = months_before(today, 36)
    for day, blocked in ((edge, False), (edge + dt.timedelta(days=1), True)):
        r = client.post(
            f"{API}/enterprises/{ent}/penalties",
            json={"decided_on": day.isoformat(), "major": True, "authority": "市生态环境局"},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        res = _credit(client, ent, admin)
        assert res["blocked"] is blocked, (day, res)
    reasons = " ".join(str(x) for x in res["reasons"])
    assert "重大行政处罚" in reasons and "申报指南" in reasons and "非政策文件条文" in reasons


def test_the_engine_sees_the_same_major_penalty(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    from huiqi.platform.engine import case_of_firm
    from huiqi.platform.enterprises.models import Enterprise

    admin = as_user("admin")
    ent = _firm(client, as_user("enterprise1"))
    ordinary = business_today() - dt.timedelta(days=10)
    major = business_today() - dt.timedelta(days=400)
    for day, is_major in ((ordinary, False), (major, True)):
        r = client.post(
            f"{API}/enterprises/{ent}/penalties",
            json={"decided_on": day.isoformat(), "major": is_major},
            headers=admin,
        )
        assert r.status_code == 201, r.text
    with app.state.sessionmaker() as db:
        case = case_of_firm(db, db.get(Enterprise, ent), 2023)
    assert case["enterprise"]["last_penalty_date"] == ordinary.isoformat()
    assert case["enterprise"]["last_major_penalty_date"] == major.isoformat()
