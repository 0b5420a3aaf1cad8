"""对接申请 seen only by its two parties and the curators; meetings never double-book a party;
the annual list is exported as Excel; bad input is answered in Chinese, field by field."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from tests.platform.matching.helpers import API, public, published

TEXT = "利用区块链技术实现供应链金融票据上链存证与多方核验，防止重复融资"


def _pair(client: Any, as_user: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    jx = as_user("city_jx")
    demand = published(
        client,
        as_user("enterprise2"),
        jx,
        "demand",
        "供应链金融票据存证",
        TEXT,
        field="区块链",
        contact_name="李经理",
        contact_phone="027-8888 0001",
    )
    supply = published(
        client,
        as_user("enterprise1"),
        jx,
        "supply",
        "区块链存证核验平台",
        TEXT,
        field="区块链",
        district="东湖高新区",
        contact_name="张工",
        contact_phone="13800000000",
    )
    return demand, supply


def test_contact_request_answer_and_who_sees_it(client: Any, as_user: Any) -> None:
    demand, supply = _pair(client, as_user)
    maker, software = as_user("enterprise2"), as_user("enterprise1")
    body = {"demand_id": demand["id"], "supply_id": supply["id"], "message": "希望洽谈"}
    # a firm that owns neither side cannot ask
    r = client.post(f"{API}/contacts", headers=as_user("enterprise3"), json=body)
    assert r.status_code == 403
    r = client.post(f"{API}/contacts", headers=maker, json=body)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["status"] == "pending" and c["i_requested"] and not c["may_answer"]
    assert "contact_phone" not in c["supply"]  # the other side's phone only once accepted
    assert client.post(f"{API}/contacts", headers=software, json=body).status_code == 409
    # the requester cannot answer its own request
    r = client.post(f"{API}/contacts/{c['id']}/answer", headers=maker, json={"accept": True})
    assert r.status_code == 403
    mine = client.get(f"{API}/contacts", headers=software).json()
    assert [x["id"] for x in mine] == [c["id"]] and mine[0]["may_answer"]
    r = client.post(
        f"{API}/contacts/{c['id']}/answer", headers=software, json={"accept": True, "note": "可"}
    )
    assert r.json()["status"] == "accepted" and r.json()["responded_by"] == "enterprise1"
    seen = client.get(f"{API}/contacts/{c['id']}", headers=maker).json()
    assert seen["supply"]["contact_phone"] == "13800000000"
    r = client.post(f"{API}/contacts/{c['id']}/answer", headers=software, json={"accept": False})
    assert r.status_code == 409
    # only the two parties and the curators see it
    for name, visible in (
        ("enterprise3", False),
        ("city_kj", False),
        ("district_ja", True),
        ("city_jx", True),
        ("admin", True),
    ):
        r = client.get(f"{API}/contacts/{c['id']}", headers=as_user(name))
        assert (r.status_code == 200) is visible, name
        listed = [x["id"] for x in client.get(f"{API}/contacts", headers=as_user(name)).json()]
        assert (c["id"] in listed) is visible, name


def test_meetings_never_double_book_a_party(client: Any, as_user: Any) -> None:
    demand, supply = _pair(client, as_user)
    jx = as_user("city_jx")
    other = published(
        client, as_user("city_kj"), jx, "demand", "科技金融票据核验", TEXT, field="区块链"
    )
    ev = {
        "title": "2024 年数字经济供需对接大会",
        "held_on": "2024-09-20",
        "place": "武汉国际博览中心",
    }
    assert client.post(f"{API}/events", headers=as_user("enterprise1"), json=ev).status_code == 403
    eid = client.post(f"{API}/events", headers=jx, json=ev).json()["id"]
    meet = {"demand_id": demand["id"], "supply_id": supply["id"], "slot": "09:30"}
    r = client.post(f"{API}/events/{eid}/meetings", headers=jx, json=meet)
    assert r.status_code == 422 and "尚未报名" in r.json()["errors"][0]["message"]
    for firm in ("enterprise1", "enterprise2"):
        r = client.post(f"{API}/events/{eid}/registrations", headers=as_user(firm), json={})
        assert r.status_code == 201
    assert (
        client.post(
            f"{API}/events/{eid}/registrations", headers=as_user("enterprise1"), json={}
        ).status_code
        == 409
    )
    assert client.post(f"{API}/events/{eid}/meetings", headers=jx, json=meet).status_code == 201
    # the supply's firm is busy at 09:30: a second meeting for it in that slot is refused
    r = client.post(
        f"{API}/events/{eid}/meetings",
        headers=jx,
        json={"demand_id": other["id"], "supply_id": supply["id"], "slot": "09:30"},
    )
    assert r.status_code == 409 and r.json()["errors"][0]["path"] == "slot"
    assert "武汉光谷示例软件有限公司在 09:30 时段已有洽谈安排" in r.json()["errors"][0]["message"]
    r = client.post(
        f"{API}/events/{eid}/meetings",
        headers=jx,
        json={"demand_id": other["id"], "supply_id": supply["id"], "slot": "10:00"},
    )
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/events/{eid}/meetings", headers=jx, json=meet | {"slot": "9点半"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "slot"
    # the schedule: organisers see it all, a party its own, the public nothing
    assert len(client.get(f"{API}/events/{eid}", headers=jx).json()["meetings"]) == 2
    theirs = client.get(f"{API}/events/{eid}", headers=as_user("enterprise2")).json()
    assert [m["slot"] for m in theirs["meetings"]] == ["09:30"]
    public_ = public(client).get(f"{API}/events/{eid}").json()
    assert public_["meetings"] == [] and public_["registrations"] == []


def test_annual_list_is_curated_published_and_exported(client: Any, as_user: Any) -> None:
    demand, supply = _pair(client, as_user)
    jx = as_user("city_jx")
    body = {"year": 2024, "kind": "new_apps", "entry_ids": [supply["id"]]}
    r = client.post(f"{API}/lists", headers=jx, json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "entry_ids[0]"
    body = {"year": 2024, "kind": "supply_demand", "entry_ids": [demand["id"], supply["id"]]}
    assert client.post(f"{API}/lists", headers=as_user("enterprise1"), json=body).status_code == 403
    lst = client.post(f"{API}/lists", headers=jx, json=body).json()
    assert (
        public(client).get(f"{API}/lists/{lst['id']}").status_code == 404
    )  # a draft is not public
    assert client.post(f"{API}/lists/{lst['id']}/publish", headers=jx).status_code == 200
    r = public(client).get(f"{API}/lists/{lst['id']}/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "2024 年度数字经济供需清单"
    assert [r[3] for r in rows[2:]] == ["供应链金融票据存证", "区块链存证核验平台"]
    assert [r[1] for r in rows[2:]] == ["需求", "供给"]
    assert client.post(f"{API}/lists", headers=jx, json=body).status_code == 409  # frozen


def test_bad_input_is_answered_in_chinese_naming_the_field(client: Any, as_user: Any) -> None:
    firm = as_user("enterprise1")
    base = {
        "kind": "supply",
        "category": "product",
        "title": "数据治理产品",
        "description": "面向企业的数据治理与质量管理产品",
        "field": "大数据",
        "district": "东湖高新区",
    }
    cases = [
        ({"field": "元宇宙"}, "field", "领域应为以下之一"),
        ({"district": "北京市朝阳区"}, "district", "武汉市的区或功能区"),
        ({"category": "reform"}, "category", "供给的类别应为"),
        ({"budget_min_fen": 900, "budget_max_fen": 100}, "budget_min_fen", "预算下限不能高于"),
        ({"deadline": "2024-12-31"}, "deadline", "截止日期只适用于需求"),
        ({"contact_phone": "call me"}, "contact_phone", "联系电话"),
        ({"budget_min_fen": 1.5}, "budget_min_fen", "整数"),
    ]
    for change, path, words in cases:
        r = client.post(f"{API}/entries", headers=firm, json=base | change)
        assert r.status_code == 422, (change, r.text)
        err = r.json()["errors"][0]
        assert err["path"] == path and words in err["message"], (change, err)
    demand = base | {"kind": "demand", "category": "reform", "deadline": "2024-01-02"}
    r = client.post(f"{API}/entries", headers=firm, json=demand)  # the demo clock: 2024-06-15
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "deadline_not_past"
    # an alias of a district is stored under its official name
    r = client.post(f"{API}/entries", headers=firm, json=base | {"district": "东湖高新区"})
    assert r.json()["district"] == "东湖新技术开发区"


def test_a_declined_contact_is_recorded_with_who_and_when(
    app: Any, client: Any, as_user: Any
) -> None:
    demand, supply = _pair(client, as_user)
    body = {"demand_id": demand["id"], "supply_id": supply["id"]}
    c = client.post(f"{API}/contacts", headers=as_user("enterprise1"), json=body).json()
    assert c["i_requested"]  # the supplier asked this time; the demand's firm answers
    r = client.post(
        f"{API}/contacts/{c['id']}/answer",
        headers=as_user("enterprise2"),
        json={"accept": False, "note": "已有供应商"},
    )
    out = r.json()
    assert out["status"] == "declined" and out["responded_by"] == "enterprise2"
    assert out["responded_at"] and out["response_note"] == "已有供应商"
    assert "contact_phone" not in out["supply"]  # declined: the phones stay private
    with app.state.sessionmaker() as db:
        from sqlalchemy import select

        from huiqi.platform.audit.models import AuditEntry

        trail = db.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.entity == "matching_contact", AuditEntry.entity_id == str(c["id"]))
            .order_by(AuditEntry.seq)
        ).all()
    assert [tuple(t) for t in trail] == [
        ("matching.contact.request", "enterprise1"),
        ("matching.contact.decline", "enterprise2"),
    ]
