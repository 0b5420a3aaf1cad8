"""The entry lifecycle: every move is a row of the table, audited; only curators publish."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.matching import lifecycle
from tests.platform.matching.helpers import API, entry, public

DEMAND = "政务服务“一网通办”需要统一身份认证与电子证照共享，支撑跨部门业务协同办理"


def test_draft_submit_return_amend_publish_close_each_audited(
    app: Any, client: Any, as_user: Any
) -> None:
    firm, city_jx = as_user("enterprise2"), as_user("city_jx")
    d = entry(client, firm, "demand", "一网通办统一身份认证", DEMAND, submit=False)
    assert d["status"] == "draft" and d["actions"] == ["save_draft", "submit", "close"]
    # a draft is the owner's alone: the public and another firm cannot see it
    assert public(client).get(f"{API}/entries/{d['id']}").status_code == 404
    assert client.get(f"{API}/entries/{d['id']}", headers=as_user("enterprise1")).status_code == 404
    body = {k: d[k] for k in ("kind", "category", "title", "description", "field", "district")}
    r = client.put(f"{API}/entries/{d['id']}", headers=firm, json=body)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    # a return needs a reason, named as the field
    r = client.post(f"{API}/entries/{d['id']}/return", headers=city_jx, json={"reason": " "})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reason"
    r = client.post(
        f"{API}/entries/{d['id']}/return", headers=city_jx, json={"reason": "请补充预算"}
    )
    assert r.json()["status"] == "returned" and r.json()["return_reason"] == "请补充预算"
    body["budget_min_fen"], body["budget_max_fen"] = 50 * 10**6, 80 * 10**6
    r = client.put(f"{API}/entries/{d['id']}", headers=firm, json=body)
    assert r.json()["status"] == "submitted"
    r = client.post(f"{API}/entries/{d['id']}/publish", headers=city_jx, json={})
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["list_year"] == 2024  # the demo clock's Beijing year
    assert public(client).get(f"{API}/entries/{d['id']}").status_code == 200  # now public
    assert "contact_phone" not in public(client).get(f"{API}/entries/{d['id']}").json()
    r = client.post(f"{API}/entries/{d['id']}/close", headers=firm, json={})
    assert r.json()["status"] == "closed"
    with app.state.sessionmaker() as db:
        actions = list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "matching_entry", AuditEntry.entity_id == str(d["id"]))
                .order_by(AuditEntry.seq)
            )
        )
    assert actions == [
        "matching.draft.create",
        "matching.submit",
        "matching.return",
        "matching.amend",
        "matching.publish",
        "matching.close",
    ]


def test_only_curators_publish_and_districts_only_their_own(client: Any, as_user: Any) -> None:
    firm = as_user("enterprise2")
    d = entry(client, firm, "demand", "江岸区智慧社区需求", DEMAND, district="江岸区")
    url = f"{API}/entries/{d['id']}/publish"
    r = client.post(url, headers=firm, json={})  # the owner
    assert r.status_code == 403 and "供需对接责任单位" in r.json()["errors"][0]["message"]
    # another bureau and another district do not even see the submitted entry
    for name in ("city_kj", "district_dh"):
        assert client.post(url, headers=as_user(name), json={}).status_code == 404, name
    assert client.post(url, headers=as_user("district_ja"), json={}).json()["status"] == "published"
    # a published entry cannot be published again: the table has no such row
    r = client.post(url, headers=as_user("city_jx"), json={})
    assert r.status_code == 409 and "已发布" in r.json()["errors"][0]["message"]


def test_supplies_come_from_firms_and_units_submit_demands(client: Any, as_user: Any) -> None:
    officer = as_user("city_kj")
    r = client.post(
        f"{API}/entries",
        headers=officer,
        json={
            "kind": "supply",
            "category": "product",
            "title": "产品",
            "description": DEMAND,
            "field": "大数据",
            "district": "江岸区",
        },
    )
    assert r.status_code == 403 and "企业账号" in r.json()["errors"][0]["message"]
    d = entry(client, officer, "demand", "科技成果转化数据平台", DEMAND)
    assert d["owner_name"] == "市科技局" and d["owner_key"] == "u:市科技局"


def test_table_is_in_the_docs() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "programmes" / "matching.md"
    assert lifecycle.LIFECYCLE.markdown() in doc.read_text(encoding="utf-8")
